using Gateway.Isolation.Configuration;
using Gateway.Isolation.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.RateLimiting;

public sealed class TokenBucketTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly TokenBucket _bucket = new();

    private BucketResult Take(double rate = 10, int burst = 5) => _bucket.TryTake(_time.GetUtcNow().UtcTicks, rate, burst);

    [Fact]
    public void TryTake_NewBucket_StartsFullThenRefusesPastTheBurst()
    {
        var taken = Enumerable.Range(0, 5).Select(_ => Take()).ToList();
        var refused = Take();

        Assert.All(taken, r => Assert.True(r.Allowed));
        Assert.Equal([4, 3, 2, 1, 0], taken.Select(r => r.Remaining));
        Assert.False(refused.Allowed);
        Assert.Equal(TimeSpan.FromMilliseconds(100), refused.RetryAfter); // one token at 10/s
        Assert.Equal(TimeSpan.FromMilliseconds(500), refused.ResetAfter); // five tokens at 10/s
    }

    [Fact]
    public void TryTake_Refill_OneTokenPerPeriodNeverAboveTheBurst()
    {
        for (var i = 0; i < 5; i++)
        {
            Take();
        }

        _time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(Take().Allowed); // 0.99 of a token
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(Take().Allowed); // the twin: exactly one token
        Assert.False(Take().Allowed);

        _time.Advance(TimeSpan.FromHours(1));
        var full = Take();
        Assert.True(full.Allowed);
        Assert.Equal(4, full.Remaining); // capped at the burst, not an hour's worth
    }

    [Fact]
    public void TryTake_SustainedRate_AdmitsTheRateNotMore()
    {
        for (var i = 0; i < 5; i++)
        {
            Take();
        }

        var admitted = 0;
        for (var ms = 0; ms < 10_000; ms += 10)
        {
            _time.Advance(TimeSpan.FromMilliseconds(10));
            admitted += Take().Allowed ? 1 : 0;
        }

        Assert.Equal(100, admitted); // 10 s at 10/s
    }

    [Fact]
    public void TryTake_LimitsReloadedLower_TokensCappedAtTheNewBurst()
    {
        Take(rate: 100, burst: 100);

        var after = Take(rate: 1, burst: 2);

        Assert.True(after.Allowed);
        Assert.Equal(1, after.Remaining); // 99 tokens capped at 2, one taken
        Assert.True(Take(rate: 1, burst: 2).Allowed);
        Assert.False(Take(rate: 1, burst: 2).Allowed);
    }

    [Fact]
    public void TryTake_ClockStepsBack_NoRefill()
    {
        var bucket = new TokenBucket();
        var now = _time.GetUtcNow().UtcTicks;
        bucket.TryTake(now, 1, 1);

        Assert.False(bucket.TryTake(now - TimeSpan.TicksPerHour, 1, 1).Allowed);
        Assert.False(bucket.TryTake(now, 1, 1).Allowed);
        Assert.True(bucket.TryTake(now + TimeSpan.TicksPerSecond, 1, 1).Allowed);
    }

    [Fact]
    public void TryTake_RefillLongerThanATimeSpanHolds_BoundedDelaysInsteadOfAThrow()
    {
        // 1e-12/s: a token every 10^12 s, past TimeSpan's range (was: OverflowException on every take, a 500 for the tier).
        var first = Take(rate: 1e-12, burst: 1);
        var refused = Take(rate: 1e-12, burst: 1);

        Assert.True(first.Allowed); // allow: the full bucket's token
        Assert.Equal(TimeSpan.FromSeconds(int.MaxValue), first.ResetAfter);
        Assert.False(refused.Allowed); // deny: no token, and a (capped) Retry-After rather than an exception
        Assert.Equal(TimeSpan.FromSeconds(int.MaxValue), refused.RetryAfter);
    }
}
