namespace Gateway.Configuration;

/// <summary>The <c>TenantIsolation:Forwarding</c> section: what the gateway attaches to, and strips from, forwarded requests.</summary>
internal sealed class ForwardingOptions
{
    public const string SectionName = "TenantIsolation:Forwarding";

    /// <summary>Envelope issuer (<c>iss</c>). Default tenant-gateway.</summary>
    public string EnvelopeIssuer { get; set; } = "tenant-gateway";

    /// <summary>Envelope lifetime (capped at the credential expiry). Default 5 min.</summary>
    public TimeSpan EnvelopeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often envelope keys configured as SSM parameters (<c>TenantIsolation:Envelopes:{cluster}:Current:Parameter</c>)
    /// are read again; a changed value is validated and then used for the next envelope. Default 5 min; 0 = read at
    /// start-up only.
    /// </summary>
    public TimeSpan EnvelopeKeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// False (default): an envelope is written once per (credential set, user, role, cluster) and reused until it nears
    /// expiry; its <c>rid</c> is the request that wrote it and X-Request-Id carries each request's own id.
    /// True: a fresh envelope per request (one JWE encryption, ≈13 µs, per request).
    /// </summary>
    public bool EnvelopePerRequest { get; set; }

    /// <summary>
    /// Cached envelopes per credential set (one per user, role and cluster). Default 1,024; beyond it envelopes are
    /// written per request. Formerly <c>TenantIsolation:Cache:EnvelopesPerCredential</c>, still read (with a warning at
    /// start-up) when this key is not set.
    /// </summary>
    public int EnvelopesPerCredential { get; set; } = 1024;

    /// <summary>
    /// Extra inbound headers removed on every route, added to the built-in list (which cannot be shrunk; see
    /// <c>Forwarding/SpoofableHeaders</c>). A name, or a prefix ending in <c>*</c> (e.g. <c>X-Internal-*</c>);
    /// case and <c>_</c>/<c>-</c> are ignored. Default none.
    /// </summary>
    public string[] StripHeaders { get; set; } = [];
}
