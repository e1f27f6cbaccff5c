namespace Gateway.Isolation.Configuration;

/// <summary>The <c>TenantIsolation:Cache</c> section (<see cref="CredentialCacheOptions"/>).</summary>
internal static class CredentialCacheOptionsValidator
{
    public static void Validate(CredentialCacheOptions cache, string section, List<string> errors)
    {
        if (cache.SizeLimit < 1)
        {
            errors.Add($"{section}:SizeLimit must be at least 1.");
        }

        if (cache.RefreshRetryInterval <= TimeSpan.Zero)
        {
            errors.Add($"{section}:RefreshRetryInterval must be positive.");
        }

        if (cache.RejectionCooldown < TimeSpan.FromSeconds(1) || cache.RejectionCooldown > TimeSpan.FromHours(1))
        {
            errors.Add($"{section}:RejectionCooldown must be between 00:00:01 and 01:00:00 (at most one drop of a rejected credential set per interval).");
        }
    }
}
