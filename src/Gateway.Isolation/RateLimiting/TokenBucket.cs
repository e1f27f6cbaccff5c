namespace Gateway.Isolation.RateLimiting;

/// <summary>
/// A token bucket over <see cref="TimeProvider"/> ticks: it starts full (<c>burst</c> tokens), refills continuously at
/// <c>rate</c> tokens per second up to <c>burst</c>, and a request takes one token. The limits are passed on every call, so
/// a reloaded tier applies at once: the tokens held are capped at the new burst and refill at the new rate. Not
/// thread-safe: the caller holds the organization's lock. The Redis script (<see cref="RedisFleetRateLimitStore"/>) runs
/// the same arithmetic on the server's clock.
/// </summary>
internal sealed class TokenBucket
{
    private const double Epsilon = 1e-9;
    private double _tokens;
    private long _lastTicks;
    private bool _started;

    /// <summary>Refills to <paramref name="nowTicks"/>, then takes one token if there is one.</summary>
    public BucketResult TryTake(long nowTicks, double rate, int burst)
    {
        Refill(nowTicks, rate, burst);
        // A hair below 1 counts as a token: refills add up in binary fractions (ten 0.1s are not exactly 1).
        var allowed = _tokens >= 1 - Epsilon;
        if (allowed)
        {
            _tokens = Math.Max(0, _tokens - 1);
        }

        return BucketResult.From(allowed, _tokens, rate, burst);
    }

    /// <summary>True when the bucket would be full at <paramref name="nowTicks"/> (dropping it then loses nothing: a new one starts full).</summary>
    public bool IsFull(long nowTicks, double rate, int burst)
    {
        if (!_started)
        {
            return true;
        }

        var elapsed = Math.Max(0, nowTicks - _lastTicks);
        return _tokens + (elapsed / (double)TimeSpan.TicksPerSecond * rate) >= burst;
    }

    private void Refill(long nowTicks, double rate, int burst)
    {
        if (!_started)
        {
            _started = true;
            _tokens = burst;
            _lastTicks = nowTicks;
            return;
        }

        // A clock that steps back refills nothing (never a negative refill, never a free bucket).
        var elapsed = Math.Max(0, nowTicks - _lastTicks);
        _tokens = Math.Min(burst, _tokens + (elapsed / (double)TimeSpan.TicksPerSecond * rate));
        _lastTicks = Math.Max(_lastTicks, nowTicks);
    }
}

/// <summary>One bucket answer: allowed or not, whole tokens left, when the next token comes (when refused) and when the bucket is full again.</summary>
internal readonly record struct BucketResult(bool Allowed, long Remaining, TimeSpan RetryAfter, TimeSpan ResetAfter)
{
    /// <summary>The answer for <paramref name="tokens"/> left after the take.</summary>
    public static BucketResult From(bool allowed, double tokens, double rate, int burst)
    {
        tokens = Math.Clamp(tokens, 0, burst);
        var retryAfter = allowed ? TimeSpan.Zero : Seconds((1 - tokens) / rate);
        var reset = Seconds((burst - tokens) / rate);
        return new BucketResult(allowed, (long)Math.Floor(tokens), retryAfter, reset);
    }

    /// <summary>
    /// At most <see cref="int.MaxValue"/> seconds: a tier's limits are validated to refill within 10⁹ s, but an answer must
    /// never throw (TimeSpan overflows past ≈ 9.2·10¹¹ s; a throw here was a 500 for every request of the tier).
    /// </summary>
    private static TimeSpan Seconds(double seconds) => TimeSpan.FromSeconds(double.IsNaN(seconds) ? int.MaxValue : Math.Clamp(seconds, 0, int.MaxValue));
}
