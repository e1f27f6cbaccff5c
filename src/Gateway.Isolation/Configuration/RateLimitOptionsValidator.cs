using System.Text.RegularExpressions;

namespace Gateway.Isolation.Configuration;

/// <summary>The <c>TenantIsolation:RateLimits</c> section (<see cref="RateLimitOptions"/>): every error at once, naming the key.</summary>
internal static partial class RateLimitOptionsValidator
{
    /// <summary>The largest rate a tier may set (requests per second).</summary>
    public const double MaxRequestsPerSecond = 1_000_000;

    /// <summary>
    /// The smallest rate a tier may set (one request per 1,000 s). With <see cref="MaxBurst"/> it bounds the time to refill a
    /// bucket (<c>Burst / RequestsPerSecond</c> ≤ 10⁹ s), so every Retry-After, reset and Redis expiry stays a finite
    /// number: a rate of 1e-12 once "validated" and then threw on every request of the tier (500 for everyone).
    /// </summary>
    public const double MinRequestsPerSecond = 0.001;

    /// <summary>The largest burst a tier may set.</summary>
    public const int MaxBurst = 1_000_000;

    public static void Validate(RateLimitOptions options, string section, List<string> errors)
    {
        if (options.ExpectedInstances < 1)
        {
            errors.Add($"{section}:ExpectedInstances must be at least 1 (was {options.ExpectedInstances}).");
        }

        foreach (var (name, tier) in options.Tiers)
        {
            var key = $"{section}:Tiers:{name}";
            if (!TierPattern().IsMatch(name))
            {
                errors.Add($"{key}: a tier name is 1-32 characters of [A-Za-z0-9._-].");
            }

            if (tier is null || (tier.RequestsPerSecond is null && tier.ConcurrentRequests is null))
            {
                errors.Add($"{key} sets no limit: set RequestsPerSecond and/or ConcurrentRequests (a tier is never unlimited).");
                continue;
            }

            if (tier.RequestsPerSecond is { } rps && (!double.IsFinite(rps) || rps < MinRequestsPerSecond || rps > MaxRequestsPerSecond))
            {
                errors.Add($"{key}:RequestsPerSecond must be at least {MinRequestsPerSecond} and at most {MaxRequestsPerSecond:0} (was {rps}).");
            }

            if (tier.Burst is { } burst)
            {
                if (tier.RequestsPerSecond is null)
                {
                    errors.Add($"{key}:Burst needs {key}:RequestsPerSecond.");
                }
                else if (burst is < 1 or > MaxBurst)
                {
                    errors.Add($"{key}:Burst must be at least 1 and at most {MaxBurst} (was {burst}).");
                }
            }

            if (tier.ConcurrentRequests is { } concurrent && concurrent < 1)
            {
                errors.Add($"{key}:ConcurrentRequests must be at least 1 (was {concurrent}).");
            }
        }

        if (!options.Enabled)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(options.DefaultTier))
        {
            errors.Add($"{section}:DefaultTier is required when {section}:Enabled is true.");
        }
        else if (!options.Tiers.ContainsKey(options.DefaultTier))
        {
            errors.Add($"{section}:DefaultTier '{options.DefaultTier}' names no tier in {section}:Tiers.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,32}$")]
    private static partial Regex TierPattern();
}
