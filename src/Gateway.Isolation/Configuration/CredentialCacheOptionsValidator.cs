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
    }
}
