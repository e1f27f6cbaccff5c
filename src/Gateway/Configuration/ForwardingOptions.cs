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

    /// <summary>
    /// The forwarding timeout of every cluster that does not set its own <c>ReverseProxy:Clusters:{id}:HttpRequest:ActivityTimeout</c>
    /// (YARP's idle timeout: how long the gateway waits for the backend to connect, accept the request and send the
    /// response headers, and then between reads of the response body; YARP's own default is 100 s). When it elapses the
    /// client gets 504 <c>backend_timeout</c>. Default 20 s: far above what a healthy backend needs (Gateway.Backend
    /// bounds a hung DynamoDB at about 7 s and answers 503 <c>data_store_unavailable</c>) and below
    /// <c>Shutdown:Timeout</c> (25 s), so a request held by a hung backend is answered before a stopping gateway gives up
    /// on it. Between 00:00:01 and 00:10:00.
    /// </summary>
    public TimeSpan ActivityTimeout { get; set; } = DefaultActivityTimeout;

    /// <summary>
    /// The <c>Retry-After</c> sent with 502 <c>backend_unavailable</c> (a backend instance restarting or being replaced is
    /// usually back, or taken out of the destinations, within seconds). Default 5 s; between 00:00:01 and 00:05:00.
    /// 504 <c>backend_timeout</c> has none: the backend was reached and may have acted on the request.
    /// </summary>
    public TimeSpan BackendRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The default of <see cref="ActivityTimeout"/>.</summary>
    public static readonly TimeSpan DefaultActivityTimeout = TimeSpan.FromSeconds(20);
}
