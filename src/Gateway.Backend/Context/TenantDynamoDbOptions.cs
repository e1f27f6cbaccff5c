namespace Gateway.Backend.Context;

/// <summary><c>TenantContext:DynamoDb</c>: where the scoped DynamoDB client sends requests.</summary>
public sealed class TenantDynamoDbOptions
{
    /// <summary>Optional endpoint override (e.g. LocalAws <c>http://127.0.0.1:4566</c>). Empty: the regional AWS endpoint.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>AWS region (also the SigV4 signing region with <see cref="ServiceUrl"/>). Default <c>us-east-1</c>.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>
    /// Per-attempt HTTP timeout (connect, send and the whole answer). Default 2 s: DynamoDB answers in milliseconds, so an
    /// attempt that takes seconds is a hung store. With <see cref="MaxErrorRetry"/> it bounds how long a DynamoDB call can
    /// hold a request: about <c>(MaxErrorRetry + 1) × Timeout</c> plus the SDK's jittered back-off (up to 1 s, then 2 s): ≈ 7 s, at most ≈ 9 s with the defaults; then
    /// the middleware answers 503 <c>data_store_unavailable</c>.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>TCP connect timeout per attempt (at most <see cref="Timeout"/>). Default 1 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>SDK retries on throttling/5xx/connection errors (AccessDenied is never retried). Default 2.</summary>
    public int MaxErrorRetry { get; set; } = 2;

    /// <summary>
    /// <c>Retry-After</c> (whole seconds, at least 1) of the 503 answers <c>data_store_unavailable</c> and
    /// <c>tenant_credentials_rejected</c>. Default 1 s.
    /// </summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many DynamoDB clients (one per credential generation, i.e. per STS session) are kept. Past it, requests
    /// get a client of their own, disposed at the end of the request. Default 1,024.
    /// </summary>
    public int MaxCachedClients { get; set; } = 1024;
}
