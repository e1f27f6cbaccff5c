namespace Gateway.Isolation.Configuration;

/// <summary>The <c>TenantIsolation:Sts</c> section: the Polly pipeline around AssumeRole and the AssumeRole budget.</summary>
public sealed class StsResilienceOptions
{
    /// <summary>Timeout of one AssumeRole attempt. Default 2 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Timeout of the whole call including retries. Default 6 s.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>Retries on throttling, 5xx and timeouts (jittered exponential backoff). Default 2.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>Base delay of the backoff. Default 200 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Failure ratio that opens the circuit. Default 0.5.</summary>
    public double CircuitFailureRatio { get; set; } = 0.5;

    /// <summary>Calls in the sampling window before the circuit may open. Default 5.</summary>
    public int CircuitMinimumThroughput { get; set; } = 5;

    /// <summary>Circuit sampling window. Default 30 s.</summary>
    public TimeSpan CircuitSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the circuit stays open. Default 10 s.</summary>
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Concurrent AssumeRole calls. Default 16.</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>Calls queued behind the concurrency limit before rejecting. Default 256.</summary>
    public int QueueLimit { get; set; } = 256;

    /// <summary>Retry-After sent with credentials_unavailable. Default 5 s.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Window of recent AssumeRole outcomes /readyz looks at. Default 1 min.</summary>
    public TimeSpan HealthWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>/readyz reports STS Degraded when at least this fraction of the window's AssumeRole calls failed. Default 0.5.</summary>
    public double HealthFailureRatio { get; set; } = 0.5;

    /// <summary>AssumeRole calls in the window before the failure ratio counts. Default 1.</summary>
    public int HealthMinimumCalls { get; set; } = 1;

    /// <summary>
    /// The AssumeRole budget (docs/gateway.md, "STS admission"): at most this many AssumeRole calls per second — per
    /// instance without <c>SharedCache:Redis</c>, for the whole fleet with it (a counter per Redis second). AWS's
    /// AssumeRole quota is about 600 per second per account and cannot be raised; the gateway is not the account's only
    /// caller (deployments, other services, the SDK's own credential refreshes), so the default 100 leaves most of the
    /// quota as headroom. A call holds its slot until STS answered plus one second, so the budget sustains
    /// <c>MaxAssumeRolePerSecond / (1 s + AssumeRole latency)</c> calls a second — 100 at 10 ms: ≈ 99/s (≈ 5,940 a
    /// minute), at 100 ms ≈ 91/s — always below the value itself: set it to at least 1.5–2 × the new sessions per second
    /// expected (within the account's quota). 1–600.
    /// </summary>
    public int MaxAssumeRolePerSecond { get; set; } = 100;

    /// <summary>
    /// Longest wait of a cold miss (or a refresh-ahead) for the budget before it gets 503 <c>credentials_unavailable</c>
    /// with <see cref="RetryAfter"/>. Default 2 s: round-robin admission serves every waiting organization within the next
    /// budget second unless more organizations than <see cref="MaxAssumeRolePerSecond"/> are cold at once; 2 s is one
    /// second of slack on top. At most <see cref="TotalTimeout"/>.
    /// </summary>
    public TimeSpan AdmissionTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Instances the fleet is expected to run: while Redis is slow or down each instance admits
    /// <c>MaxAssumeRolePerSecond / ExpectedInstances</c> per second (rounded down, at least 1; with Redis too, each
    /// instance takes at most that share), so the fleet stays within its budget without Redis. Unset (the default): <c>RateLimits:ExpectedInstances</c> (1 unless set) — one fleet size
    /// serves both; set this only when the STS budget should assume another. Ignored without <c>SharedCache:Redis</c>.
    /// </summary>
    public int? ExpectedInstances { get; set; }
}
