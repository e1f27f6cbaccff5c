using Microsoft.Extensions.Options;

namespace Gateway.Authentication;

/// <summary>Validates <see cref="GatewayAuthenticationOptions"/>, reporting every error at once.</summary>
internal sealed class GatewayAuthenticationOptionsValidator : IValidateOptions<GatewayAuthenticationOptions>
{
    internal static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(60);
    private static readonly HashSet<string> AllowedAlgorithms = new(StringComparer.Ordinal) { "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512" };

    public ValidateOptionsResult Validate(string? name, GatewayAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        const string S = GatewayAuthenticationOptions.SectionName;
        if (options.Authority is null || !options.Authority.IsAbsoluteUri)
        {
            errors.Add($"{S}:Authority is required (absolute https URL of the token issuer).");
        }
        else if (options.Authority.Scheme != Uri.UriSchemeHttps && !(options.Authority.Scheme == Uri.UriSchemeHttp && options.AllowHttpAuthority))
        {
            errors.Add($"{S}:Authority must be https (set {S}:AllowHttpAuthority=true only for local development).");
        }
        else if (options.Authority.Scheme == Uri.UriSchemeHttp && !options.Authority.IsLoopback)
        {
            // Signing keys fetched over plain http from another host could be swapped in transit: loopback only.
            errors.Add($"{S}:AllowHttpAuthority only permits a loopback Authority (127.0.0.1, ::1, localhost); {options.Authority.Host} must use https.");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            errors.Add($"{S}:Audience is required.");
        }

        if (options.Algorithms is null || options.Algorithms.Length == 0)
        {
            errors.Add($"{S}:Algorithms must list at least one asymmetric algorithm (e.g. RS256).");
        }
        else
        {
            foreach (var alg in options.Algorithms)
            {
                if (!AllowedAlgorithms.Contains(alg))
                {
                    errors.Add($"{S}:Algorithms contains '{alg}'; only asymmetric RS*/PS*/ES* algorithms are accepted.");
                }
            }
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > MaxClockSkew)
        {
            errors.Add($"{S}:ClockSkew must be between 0 and 60 seconds (was {options.ClockSkew}).");
        }

        if (options.ValidatedTokenCacheSize < 0)
        {
            errors.Add($"{S}:ValidatedTokenCacheSize must not be negative (0 disables the cache).");
        }

        if (options.ValidatedTokenCacheDuration < TimeSpan.Zero || options.ValidatedTokenCacheDuration > TimeSpan.FromMinutes(15))
        {
            errors.Add($"{S}:ValidatedTokenCacheDuration must be between 0 and 15 minutes.");
        }

        if (options.SigningKeyRefreshInterval < TimeSpan.FromSeconds(1) || options.SigningKeyRefreshInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"{S}:SigningKeyRefreshInterval must be between 1 second and 1 hour.");
        }

        if (options.MaxSigningKeyStaleness < options.SigningKeyRefreshInterval * 2 || options.MaxSigningKeyStaleness > TimeSpan.FromHours(24))
        {
            errors.Add($"{S}:MaxSigningKeyStaleness must be at least twice SigningKeyRefreshInterval and at most 24 hours.");
        }

        if (string.IsNullOrWhiteSpace(options.UserIdClaim))
        {
            errors.Add($"{S}:UserIdClaim is required.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
