namespace Gateway.Isolation.Configuration;

/// <summary>The <c>TenantIsolation:Cache</c> section: the credential cache. (<c>EnvelopesPerCredential</c> moved to <c>TenantIsolation:Forwarding</c>.)</summary>
public sealed class CredentialCacheOptions
{
    /// <summary>Maximum cached credential sets (one per organization × permission set [× user]); least recently used are evicted. Default 10,000.</summary>
    public int SizeLimit { get; set; } = 10_000;

    /// <summary>After a failed background refresh, wait this long before trying again. Default 5 s.</summary>
    public TimeSpan RefreshRetryInterval { get; set; } = TimeSpan.FromSeconds(5);
}
