namespace Gateway.Configuration;

/// <summary>The <c>TenantIsolation:Cache</c> section.</summary>
internal sealed class CredentialCacheOptions
{
    /// <summary>Maximum cached credential sets (one per organization × permission set [× user]); least recently used are evicted. Default 10,000.</summary>
    public int SizeLimit { get; set; } = 10_000;

    /// <summary>After a failed background refresh, wait this long before trying again. Default 5 s.</summary>
    public TimeSpan RefreshRetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Cached envelopes per credential set (one per user and role). Default 1,024; beyond it envelopes are written per request.</summary>
    public int EnvelopesPerCredential { get; set; } = 1024;
}
