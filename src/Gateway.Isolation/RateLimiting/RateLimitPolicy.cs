using Gateway.Isolation.Configuration;

namespace Gateway.Isolation.RateLimiting;

/// <summary>
/// <see cref="RateLimitOptions"/> resolved once per (re)load: each tier's effective limits (burst defaulted, fleet share
/// computed), so the per-request path only looks a tier up.
/// </summary>
internal sealed class RateLimitPolicy
{
    private readonly Dictionary<string, TierLimits> _tiers;

    public RateLimitPolicy(RateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Enabled = options.Enabled;
        var instances = Math.Max(1, options.ExpectedInstances);
        _tiers = new Dictionary<string, TierLimits>(StringComparer.Ordinal);
        foreach (var (name, tier) in options.Tiers)
        {
            _tiers[name] = TierLimits.From(name, tier, instances);
        }

        Default = _tiers.TryGetValue(options.DefaultTier ?? string.Empty, out var fallback) ? fallback : null;
    }

    public bool Enabled { get; }

    /// <summary>The default tier's limits (null only while disabled: validation requires it when enabled).</summary>
    public TierLimits? Default { get; }

    /// <summary>The limits of <paramref name="tier"/> (null: the default tier); <paramref name="known"/> false when the name is not configured (the default tier is used).</summary>
    public TierLimits? Resolve(string? tier, out bool known)
    {
        if (tier is null)
        {
            known = true;
            return Default;
        }

        known = _tiers.TryGetValue(tier, out var limits);
        return known ? limits : Default;
    }
}

/// <summary>One tier's effective limits: the fleet's (<see cref="Rate"/>, <see cref="Burst"/>, <see cref="Concurrent"/>) and an instance's share of them (<see cref="LocalRate"/>, <see cref="LocalBurst"/>, <see cref="LocalConcurrent"/>).</summary>
internal sealed record TierLimits(string Tier, double? Rate, int Burst, int? Concurrent, double? LocalRate, int LocalBurst, int? LocalConcurrent, RateLimitPolicyShape? Shape)
{
    public static TierLimits From(string name, RateLimitTierOptions tier, int instances)
    {
        ArgumentNullException.ThrowIfNull(tier);
        var rate = tier.RequestsPerSecond;
        var burst = tier.Burst ?? (rate is { } r ? Math.Max(1, (int)Math.Ceiling(r)) : 0);
        double? localRate = rate is { } fleetRate ? fleetRate / instances : null;
        // The local share never adds up to more than the fleet's limit: the rate is the exact fraction (a token bucket takes
        // 2.5/s), the burst rounded down — at least 1, so an instance never refuses everyone (a burst below the fleet size
        // is the one case where the instances' bursts together exceed it: by at most one request each).
        var localBurst = Math.Max(1, burst / instances);
        int? localConcurrent = tier.ConcurrentRequests is { } c ? Math.Max(1, (int)Math.Ceiling(c / (double)instances)) : null;
        RateLimitPolicyShape? shape = rate is { } q ? new RateLimitPolicyShape(burst, (int)Math.Clamp(Math.Ceiling(burst / q), 1, int.MaxValue)) : null;
        return new TierLimits(name, rate, burst, tier.ConcurrentRequests, localRate, localBurst, localConcurrent, shape);
    }
}

/// <summary>The <c>RateLimit-Policy</c> quota (<c>q</c> = burst) and window (<c>w</c> = seconds to refill a full burst, rounded up).</summary>
internal sealed record RateLimitPolicyShape(int Quota, int WindowSeconds);
