namespace Gateway.Isolation.Configuration;

/// <summary>The <c>TenantIsolation:Cache</c> section: the credential cache. (<c>EnvelopesPerCredential</c> moved to <c>TenantIsolation:Forwarding</c>.)</summary>
public sealed class CredentialCacheOptions
{
    /// <summary>Maximum cached credential sets (one per organization × permission set [× user]); least recently used are evicted. Default 10,000.</summary>
    public int SizeLimit { get; set; } = 10_000;

    /// <summary>After a failed background refresh, wait this long before trying again. Default 5 s.</summary>
    public TimeSpan RefreshRetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A credential set a backend reports the data store rejected (<c>X-Tenant-Credentials-Rejected: 1</c>) is dropped
    /// (L1, L2, every instance) at most once per this interval per cache key: a backend that always sends the header costs
    /// each credential set at most one extra AssumeRole per interval, and <c>/readyz</c> reports <c>credentials</c>
    /// Degraded for this long after a drop. Default 30 s; 1 s – 1 h.
    /// </summary>
    public TimeSpan RejectionCooldown { get; set; } = DefaultRejectionCooldown;

    /// <summary>Default of <see cref="RejectionCooldown"/>.</summary>
    public static readonly TimeSpan DefaultRejectionCooldown = TimeSpan.FromSeconds(30);
}
