using Gateway.Isolation.Caching;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.Caching;

/// <summary>The engine's one timed cache (credentials, memberships, organization records): expiry, single flight, refresh claim, eviction generations.</summary>
public sealed class TimedCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryGet_UsableUntilTheInstantFromTimeProvider_ThenMiss()
    {
        using var cache = new TimedCache<string, string>(10, _time);
        Assert.True(cache.Store("k", "v", _time.GetUtcNow().AddSeconds(5), generation: 0));

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.True(cache.TryGet("k", out var value, out var refreshDue));
        Assert.Equal(("v", false), (value, refreshDue));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(cache.TryGet("k", out _, out _));
    }

    [Fact]
    public void Revoke_MatchingValue_EntryNoLongerHandedOutNorRefreshed_NextStoreReplacesIt()
    {
        using var cache = new TimedCache<string, string>(10, _time);
        var now = _time.GetUtcNow();
        cache.Store("k", "old", now.AddMinutes(10), 0, refreshFrom: now);

        Assert.False(cache.Revoke("k", v => v == "other")); // twin: another value is not revoked
        Assert.True(cache.TryGet("k", out _, out _));
        Assert.True(cache.Revoke("k", v => v == "old"));

        Assert.False(cache.TryGet("k", out _, out _));
        Assert.False(cache.TryClaimRefresh("k", TimeSpan.FromSeconds(5)));
        Assert.True(cache.Store("k", "new", now.AddMinutes(10), 0));
        Assert.True(cache.TryGet("k", out var value, out _));
        Assert.Equal("new", value);
    }

    [Fact]
    public void Revoke_ValueReplacedMeanwhile_NewEntryStays()
    {
        // The revocation is of an entry, not of the key: a value stored after the match was chosen is untouched.
        using var cache = new TimedCache<string, string>(10, _time);
        cache.Store("k", "old", _time.GetUtcNow().AddMinutes(10), 0);
        cache.Store("k", "new", _time.GetUtcNow().AddMinutes(10), 0);

        Assert.False(cache.Revoke("k", v => v == "old"));

        Assert.True(cache.TryGet("k", out var value, out _));
        Assert.Equal("new", value);
    }

    [Fact]
    public void TryClaimRefresh_OnceFromTheRefreshInstant_AgainAfterTheRetryInterval()
    {
        using var cache = new TimedCache<string, string>(10, _time);
        var now = _time.GetUtcNow();
        cache.Store("k", "v", now.AddMinutes(10), 0, refreshFrom: now.AddMinutes(5));
        Assert.True(cache.TryGet("k", out _, out var early));
        Assert.False(early);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(cache.TryGet("k", out _, out var due));
        Assert.True(due);
        Assert.True(cache.TryClaimRefresh("k", TimeSpan.FromSeconds(5)));
        Assert.False(cache.TryClaimRefresh("k", TimeSpan.FromSeconds(5))); // claimed

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(cache.TryClaimRefresh("k", TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task GetOrLoadAsync_ConcurrentMisses_OneLoad()
    {
        using var cache = new TimedCache<string, string>(10, _time);
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var loads = 0;
        Func<string, long, object?, Task<string>> load = (_, _, _) => { Interlocked.Increment(ref loads); return gate.Task; };

        var callers = Enumerable.Range(0, 20).Select(_ => cache.GetOrLoadAsync("k", (object?)null, load, CancellationToken.None)).ToList();
        gate.SetResult("v");

        Assert.All(await Task.WhenAll(callers), v => Assert.Equal("v", v));
        Assert.Equal(1, loads);
    }

    [Fact]
    public async Task Evict_WhileALoadIsInFlight_ItIsNeitherStoredNorHandedOut_TwinOtherPartitionStored()
    {
        using var cache = new TimedCache<(string User, string Org), string>(10, _time, static key => key.User);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = "old";
        var loads = 0;
        Func<(string User, string Org), long, object?, Task<string>> load = async (key, generation, _) =>
        {
            var value = Interlocked.Increment(ref loads) == 1 ? answer : "new";
            await gate.Task;
            cache.Store(key, value, _time.GetUtcNow().AddSeconds(30), generation);
            return value;
        };

        var carol = cache.GetOrLoadAsync(("carol", "acme"), (object?)null, load, CancellationToken.None);
        await Eventually.UntilAsync(() => Volatile.Read(ref loads) == 1);
        Assert.Equal(0, cache.Evict("carol", _ => true)); // nothing cached yet: only the generation moves
        gate.SetResult();

        Assert.Equal("new", await carol);
        Assert.True(cache.TryGet(("carol", "acme"), out var cached, out _));
        Assert.Equal("new", cached);
        Assert.True(cache.Store(("dave", "acme"), "dave's", _time.GetUtcNow().AddSeconds(30), cache.Generation("dave")));
    }

    [Fact]
    public async Task GetOrLoadAsync_EvictionsKeepOvertakingTheLoads_GivesUpWithTheOwnersException()
    {
        using var cache = new TimedCache<string, string>(10, _time, static key => key);
        Func<string, long, TimedCache<string, string>, Task<string>> load = (key, _, self) =>
        {
            self.Evict(key, _ => true);
            return Task.FromResult("stale");
        };

        var error = await Assert.ThrowsAsync<TimeoutException>(() => cache.GetOrLoadAsync("k", cache, load, CancellationToken.None, maxAttempts: 3, overtaken: () => new TimeoutException("overtaken")));
        Assert.Equal("overtaken", error.Message);
    }

    [Fact]
    public void Store_OverTheSizeLimit_LeastRecentlyUsedMakesRoom()
    {
        using var cache = new TimedCache<int, int>(10, _time);
        for (var i = 0; i < 25; i++)
        {
            Assert.True(cache.Store(i, i, _time.GetUtcNow().AddMinutes(1), 0));
        }

        Assert.InRange(cache.Count, 1, 10);
        Assert.True(cache.TryGet(24, out _, out _)); // the newest is kept
    }
}
