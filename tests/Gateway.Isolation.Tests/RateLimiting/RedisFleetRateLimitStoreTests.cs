using System.Diagnostics;
using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.RateLimiting;
using Gateway.Testing;
using StackExchange.Redis;

namespace Gateway.Isolation.Tests.RateLimiting;

/// <summary>
/// The fleet's token bucket script (<see cref="RedisFleetRateLimitStore.Script"/>) against a real <c>redis-server</c>: its
/// bounds (a full bucket is the burst, no more) and its refill (one token per <c>1 / rate</c> seconds), on the Redis
/// server's clock. The burst and refill steps are timed with a wide margin and re-tried when this machine was too slow to
/// keep inside it (each attempt uses a new organization, so a fresh bucket).
/// </summary>
public sealed class RedisFleetRateLimitStoreTests : IAsyncLifetime, IDisposable
{
    private readonly TestMeterFactory _meters = new();
    private RedisHost? _host;
    private RedisConnection? _connection;
    private IsolationMetrics? _metrics;
    private RedisFleetRateLimitStore? _store;
    private int _organization;

    public async Task InitializeAsync()
    {
        _host = await RedisHost.StartAsync();
        _metrics = new IsolationMetrics(_meters);
        var options = new SharedCacheOptions { Redis = _host.ConnectionString, OperationTimeout = TimeSpan.FromSeconds(5) };
        _connection = new RedisConnection(options);
        await _connection.GetAsync();
        _store = new RedisFleetRateLimitStore(_connection, options, TimeProvider.System, _metrics);
    }

    private string NextOrganization() => "acme-" + Interlocked.Increment(ref _organization).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Sends <paramref name="count"/> takes at once (pipelined on one connection: Redis runs them back to back).</summary>
    private async Task<BucketResult[]> BurstAsync(string organization, double rate, int burst, int count)
    {
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => _store!.TryTakeAsync(organization, rate, burst).AsTask()));
        Assert.All(results, r => Assert.NotNull(r));
        return [.. results.Select(r => r!.Value)];
    }

    /// <summary>Runs <paramref name="attempt"/> on a new organization until it finished within <paramref name="within"/> (at most 5 tries).</summary>
    private async Task<T> TimedAsync<T>(TimeSpan within, Func<string, Task<T>> attempt)
    {
        for (var i = 0; ; i++)
        {
            var clock = Stopwatch.StartNew();
            var result = await attempt(NextOrganization());
            if (clock.Elapsed < within || i == 4)
            {
                return result;
            }
        }
    }

    [Fact]
    public async Task TryTake_BurstPlusOneAtOnce_ExactlyTheBurstAllowed_TheLastRefusedWithRetryAfter()
    {
        // 0.5 token/s: a refill takes 2 s, far longer than one burst of pipelined calls.
        var results = await TimedAsync(TimeSpan.FromSeconds(1), organization => BurstAsync(organization, rate: 0.5, burst: 5, count: 6));

        Assert.Equal(5, results.Count(r => r.Allowed)); // allow: the whole burst; deny: not one more
        Assert.Equal([true, true, true, true, true, false], results.Select(r => r.Allowed));
        Assert.Equal([4L, 3, 2, 1, 0, 0], results.Select(r => r.Remaining));
        Assert.InRange(results[5].RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)); // (1 - tokens) / rate
    }

    [Fact]
    public async Task TryTake_AfterOneRefillInterval_ExactlyOneMore()
    {
        // 2 tokens/s, burst 2: drained, then 0.7 s later (one refill of 0.5 s, not two) one more and not two.
        var (afterRefill, drained) = await TimedAsync(TimeSpan.FromMilliseconds(900), async organization =>
        {
            var drained = await BurstAsync(organization, rate: 2, burst: 2, count: 3);
            await Task.Delay(TimeSpan.FromMilliseconds(700));
            return (await BurstAsync(organization, rate: 2, burst: 2, count: 2), drained);
        });

        Assert.Equal(2, drained.Count(r => r.Allowed)); // the burst, then refused
        Assert.True(afterRefill[0].Allowed); // allow: refilled one token
        Assert.False(afterRefill[1].Allowed); // deny: not two (nor the bucket refilled whole)
    }

    [Fact]
    public async Task TryTake_IdleLongerThanARefill_RefillsToTheBurstOnly_NotBeyond()
    {
        // 5 tokens/s, burst 3: drained, then idle 1.2 s (6 tokens' worth of refill): a full bucket is 3, not 6. Idle
        // less than the key's expiry (full again after 0.6 s, + 1 s), or a new bucket (full, 3) would hide the cap.
        var results = await TimedAsync(TimeSpan.FromMilliseconds(1450), async organization =>
        {
            await BurstAsync(organization, rate: 5, burst: 3, count: 3);
            await Task.Delay(TimeSpan.FromMilliseconds(1200));
            return await BurstAsync(organization, rate: 5, burst: 3, count: 5);
        });

        Assert.Equal(3, results.Count(r => r.Allowed)); // allow: the whole burst again; deny: nothing beyond it
        Assert.Equal(2L, results[0].Remaining); // full (3) before the first take
    }

    [Fact]
    public async Task TryTake_TheKeyExpiresOnceTheBucketWouldBeFullAgain()
    {
        var organization = NextOrganization();
        await BurstAsync(organization, rate: 1, burst: 4, count: 2); // 2 of 4 left: full again in 2 s

        var redis = await _connection!.GetAsync();
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(new RedisKey(_store!.Key(organization)));

        Assert.NotNull(ttl); // deny: an idle organization leaves nothing behind for ever
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3)); // allow: kept until full again (+1 s)
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _metrics?.Dispose();
        _meters.Dispose();
    }
}
