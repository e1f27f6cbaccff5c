using Gateway.Isolation.Caching;
using Gateway.Isolation.Diagnostics;
using Gateway.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Gateway.Isolation.Tests.Caching;

public sealed class SharedCacheTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly TestMeterFactory _meters = new();
    private readonly IsolationMetrics _metrics;
    private readonly TestSharedCache _fleet = new();
    private readonly SharedCache _cache;

    public SharedCacheTests()
    {
        _metrics = new IsolationMetrics(_meters);
        _cache = _fleet.For(_time, _metrics);
    }

    private static MembershipEntry Entry() => new(0, "MEMBER", new DateTimeOffset(2026, 1, 1, 0, 0, 30, TimeSpan.Zero));

    [Fact]
    public async Task GetAsync_AfterSet_HitsAndCounts()
    {
        var hits = new MetricCollector<long>(_meters.Meters.Single(), "gateway.cache.l2.hits");
        var misses = new MetricCollector<long>(_meters.Meters.Single(), "gateway.cache.l2.misses");

        Assert.Null(await _cache.GetAsync("m:alice:acme", SharedCacheJsonContext.Default.MembershipEntry));
        Assert.True(await _cache.SetAsync("m:alice:acme", Entry(), SharedCacheJsonContext.Default.MembershipEntry, Entry().ExpiresAt));
        Assert.Equal(Entry(), await _cache.GetAsync("m:alice:acme", SharedCacheJsonContext.Default.MembershipEntry));

        Assert.Equal(1, hits.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(1, misses.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task GetAsync_RedisFails_MissCountedAsErrorThenSkippedForBreakDuration()
    {
        var errors = new MetricCollector<long>(_meters.Meters.Single(), "gateway.cache.l2.errors");
        await _cache.SetAsync("m:alice:acme", Entry(), SharedCacheJsonContext.Default.MembershipEntry, Entry().ExpiresAt);
        _fleet.Redis.FailWith = new RedisConnectionException(ConnectionFailureType.UnableToConnect, "down");

        Assert.Null(await _cache.GetAsync("m:alice:acme", SharedCacheJsonContext.Default.MembershipEntry));
        var callsWhenBroken = _fleet.Redis.Calls;
        Assert.True(_cache.IsBroken);
        Assert.Null(await _cache.GetAsync("m:alice:acme", SharedCacheJsonContext.Default.MembershipEntry));
        Assert.Equal(FleetLockState.Unavailable, (await _cache.TryLockAsync("c:acme:read-write:-")).State);
        Assert.Equal(callsWhenBroken, _fleet.Redis.Calls); // not asked while the circuit is open
        Assert.Equal(1, errors.GetMeasurementSnapshot().EvaluateAsCounter());

        _fleet.Redis.FailWith = null;
        _time.Advance(_fleet.Options.BreakDuration);
        Assert.False(_cache.IsBroken);
        Assert.Equal(Entry(), await _cache.GetAsync("m:alice:acme", SharedCacheJsonContext.Default.MembershipEntry)); // the twin: L2 used again
    }

    [Fact]
    public async Task GetAsync_RedisHangs_GivesUpAfterOperationTimeout()
    {
        var errors = new MetricCollector<long>(_meters.Meters.Single(), "gateway.cache.l2.errors");
        _fleet.Redis.Hang = true;

        var pending = _cache.GetAsync("m:alice:acme", SharedCacheJsonContext.Default.MembershipEntry).AsTask();
        await Eventually.UntilAsync(() => _fleet.Redis.Calls == 1);
        Assert.False(pending.IsCompleted);
        _time.Advance(_fleet.Options.OperationTimeout);

        Assert.Null(await pending);
        Assert.True(_cache.IsBroken);
        Assert.Equal(1, errors.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task TryLockAsync_SecondTaker_SeesHeldUntilReleased()
    {
        var (first, token) = await _cache.TryLockAsync("c:acme:read-write:-");
        var (second, _) = await _cache.TryLockAsync("c:acme:read-write:-");
        await _cache.ReleaseAsync("c:acme:read-write:-", token);
        var (third, _) = await _cache.TryLockAsync("c:acme:read-write:-");

        Assert.Equal(FleetLockState.Acquired, first);
        Assert.Equal(FleetLockState.Held, second);
        Assert.Equal(FleetLockState.Acquired, third);
    }

    [Fact]
    public void InitializeSeries_PublishesL2CountersAtZero()
    {
        var hits = new MetricCollector<long>(_meters.Meters.Single(), "gateway.cache.l2.hits");
        var misses = new MetricCollector<long>(_meters.Meters.Single(), "gateway.cache.l2.misses");
        var errors = new MetricCollector<long>(_meters.Meters.Single(), "gateway.cache.l2.errors");

        _metrics.InitializeSeries();

        Assert.Single(hits.GetMeasurementSnapshot());
        Assert.Single(misses.GetMeasurementSnapshot());
        Assert.Single(errors.GetMeasurementSnapshot());
        Assert.Equal(0, errors.GetMeasurementSnapshot().EvaluateAsCounter());
    }


    public void Dispose()
    {
        _fleet.Dispose();
        _metrics.Dispose();
        _meters.Dispose();
    }
}
