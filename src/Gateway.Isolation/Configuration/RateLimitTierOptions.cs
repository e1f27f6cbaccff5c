namespace Gateway.Isolation.Configuration;

/// <summary>One tier of <c>TenantIsolation:RateLimits:Tiers</c>. Each limit is optional; a tier sets at least one.</summary>
public sealed class RateLimitTierOptions
{
    /// <summary>Sustained requests per second per organization (token bucket refill rate). Null: no rate limit.</summary>
    public double? RequestsPerSecond { get; set; }

    /// <summary>Bucket size: requests an idle organization may send at once. Default: <see cref="RequestsPerSecond"/> rounded up.</summary>
    public int? Burst { get; set; }

    /// <summary>Requests of one organization in flight at once (held until the proxied response completes). Null: no limit.</summary>
    public int? ConcurrentRequests { get; set; }
}
