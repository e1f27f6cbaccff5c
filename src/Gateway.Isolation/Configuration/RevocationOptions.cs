namespace Gateway.Isolation.Configuration;

/// <summary>
/// The <c>TenantIsolation:Revocations</c> section: the gateway watches the tenant role's <c>tenant-revocations</c> inline
/// policy (written by <c>Gateway.dll revoke</c>) and stops serving cached credential sets a revocation denies, so the next
/// request of the revoked scope gets a set issued after the cut-off. IAM enforces the Deny regardless: the watcher only
/// spares requests credentials that IAM will refuse.
/// </summary>
public sealed class RevocationOptions
{
    /// <summary>Whether the gateway reads the revocations (default true). Off: cached sets are served until they refresh.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between two reads of <c>tenant-revocations</c> (one IAM GetRolePolicy per tenant role). Default 10 s; 1 s – 10 min.</summary>
    public TimeSpan PollInterval { get; set; } = DefaultPollInterval;

    /// <summary>
    /// The clock skew allowed between this gateway and STS: a set the gateway requested less than this after a cut-off
    /// is treated as issued before it (re-minted: an unnecessary AssumeRole is harmless, a refused set is not), and the
    /// first AssumeRole of a freshly revoked scope waits until the cut-off plus this. Default 5 s; 0 – 1 min.
    /// </summary>
    public TimeSpan ClockSkew { get; set; } = DefaultClockSkew;

    /// <summary>Default of <see cref="PollInterval"/>.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(10);

    /// <summary>Default of <see cref="ClockSkew"/>.</summary>
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(5);

    /// <summary>Bounds of <see cref="PollInterval"/>.</summary>
    public static readonly TimeSpan MinimumPollInterval = TimeSpan.FromSeconds(1);

    /// <inheritdoc cref="MinimumPollInterval"/>
    public static readonly TimeSpan MaximumPollInterval = TimeSpan.FromMinutes(10);

    /// <summary>Upper bound of <see cref="ClockSkew"/>.</summary>
    public static readonly TimeSpan MaximumClockSkew = TimeSpan.FromMinutes(1);
}
