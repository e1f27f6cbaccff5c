namespace Gateway.Isolation.RateLimiting;

/// <summary>
/// The limiter's answer for one request: allowed (with the concurrency <see cref="Lease"/> the caller must dispose when
/// the proxied response is complete, if the tier limits concurrency) or refused (<see cref="Reason"/>,
/// <see cref="RetryAfter"/>). <see cref="Status"/> feeds the <c>RateLimit</c> headers either way.
/// </summary>
internal readonly record struct RateLimitDecision(bool Allowed, string Tier, string Reason, TimeSpan? RetryAfter, RateLimitStatus? Status, IDisposable? Lease)
{
    /// <summary>Audit reason: the organization's token bucket is empty.</summary>
    public const string RateLimitedReason = "rate_limited";

    /// <summary>Audit reason: the organization has its tier's maximum of requests in flight.</summary>
    public const string ConcurrencyLimitedReason = "concurrency_limited";

    /// <summary>Rate limits are off.</summary>
    public static readonly RateLimitDecision Unlimited = new(true, string.Empty, string.Empty, null, null, null);
}
