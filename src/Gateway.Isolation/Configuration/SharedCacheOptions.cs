namespace Gateway.Isolation.Configuration;

/// <summary>
/// The <c>TenantIsolation:SharedCache</c> section: the optional fleet-wide second cache level (L2) in Redis, its eviction
/// backplane and its lock. Off while <see cref="Redis"/> is empty: every instance then caches on its own, as before.
/// </summary>
public sealed class SharedCacheOptions
{
    /// <summary>StackExchange.Redis connection string (e.g. <c>127.0.0.1:6379</c>). Empty (default): no L2, no backplane, no fleet lock.</summary>
    public string? Redis { get; set; }

    /// <summary>Prefix of every Redis key and channel. Default <c>gateway:</c>; <c>[A-Za-z0-9:._-]</c> only.</summary>
    public string KeyPrefix { get; set; } = "gateway:";

    /// <summary>Longest wait for one Redis operation before the request goes on without L2 (counts as an L2 error). Default 250 ms.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>After an L2 error, Redis is skipped (L1 + STS only) for this long. Default 5 s.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long an instance that finds another instance minting the same credentials waits for them to appear in L2
    /// before calling STS itself. Default 3 s. (The lock itself expires after <see cref="LockLease"/>.)
    /// </summary>
    public TimeSpan LockWait { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Lifetime of the fleet lock taken around one AssumeRole (released when done). Default 10 s.</summary>
    public TimeSpan LockLease { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <c>evict</c> waits for every subscribed instance to confirm. Default 5 s.</summary>
    public TimeSpan EvictTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Keys sealing the credentials written to Redis (AES-256-GCM).</summary>
    public SharedCacheSealingOptions Sealing { get; set; } = new();

    /// <summary>True when a Redis connection string is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Redis);
}
