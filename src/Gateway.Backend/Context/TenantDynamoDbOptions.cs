namespace Gateway.Backend.Context;

/// <summary><c>TenantContext:DynamoDb</c>: where the scoped DynamoDB client sends requests.</summary>
public sealed class TenantDynamoDbOptions
{
    /// <summary>Optional endpoint override (e.g. LocalAws <c>http://127.0.0.1:4566</c>). Empty: the regional AWS endpoint.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>AWS region (also the SigV4 signing region with <see cref="ServiceUrl"/>). Default <c>us-east-1</c>.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Per-attempt HTTP timeout. Default 10 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>SDK retries on throttling/5xx (AccessDenied is never retried). Default 2.</summary>
    public int MaxErrorRetry { get; set; } = 2;

    /// <summary>
    /// How many DynamoDB clients (one per credential generation, i.e. per STS session) are kept. Past it, requests
    /// get a client of their own, disposed at the end of the request. Default 1,024.
    /// </summary>
    public int MaxCachedClients { get; set; } = 1024;
}
