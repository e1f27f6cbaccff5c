using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.Credentials;

/// <summary>The fleet's AssumeRole budget (<see cref="RedisStsBudgetStore"/>) against a real <c>redis-server</c>.</summary>
public sealed class RedisStsBudgetStoreTests : IAsyncLifetime, IDisposable
{
    private readonly TestMeterFactory _meters = new();
    private readonly List<IAsyncDisposable> _connections = [];
    private RedisHost? _host;
    private IsolationMetrics? _metrics;

    public async Task InitializeAsync()
    {
        _host = await RedisHost.StartAsync();
        _metrics = new IsolationMetrics(_meters);
    }

    /// <summary>A store on its own connection, connected before it is used (a connection still opening counts as a failure).</summary>
    private async Task<RedisStsBudgetStore> StoreAsync(TimeProvider time)
    {
        var options = new SharedCacheOptions { Redis = _host!.ConnectionString, OperationTimeout = TimeSpan.FromMilliseconds(250) };
        var connection = new RedisConnection(options);
        _connections.Add(connection);
        await connection.GetAsync();
        return new RedisStsBudgetStore(connection, options, time, _metrics!);
    }

    [Fact]
    public async Task TryTake_TwoInstancesAtOnce_GrantTheFleetsBudgetOnce_NotOncePerInstance()
    {
        var stores = new[] { await StoreAsync(TimeProvider.System), await StoreAsync(TimeProvider.System) };
        // The burst must stay inside one Redis second (redis-server runs on this machine's clock): start early in a
        // second and, on a machine so loaded that the burst still crossed into the next second, try again (at most 5 times).
        StsBudgetGrant?[] grants;
        var attempt = 0;
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1000 - DateTimeOffset.UtcNow.Millisecond + 20));
            var second = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            grants = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => stores[i % 2].TryTakeAsync(3, 10).AsTask()));
            if (DateTimeOffset.UtcNow.ToUnixTimeSeconds() == second || ++attempt == 5)
            {
                break;
            }
        }

        Assert.All(grants, g => Assert.NotNull(g));
        Assert.Equal(10, grants.Sum(g => g!.Value.Granted)); // deny beyond 10, allow up to 10
        Assert.All(grants, g => Assert.InRange(g!.Value.NextWindowIn, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1)));

        await Task.Delay(grants.Max(g => g!.Value.NextWindowIn) + TimeSpan.FromMilliseconds(20));
        var next = await stores[1].TryTakeAsync(10, 10);
        Assert.Equal(10, next!.Value.Granted); // the next second has the whole budget again
    }

    [Fact]
    public async Task Admit_RedisDown_EachInstanceAdmitsItsShare_NeverUnlimitedNeverNothing()
    {
        var options = TestOptions.Valid();
        options.Sts.MaxAssumeRolePerSecond = 10;
        options.Sts.ExpectedInstances = 3;
        options.RateLimits.ExpectedInstances = 1; // the STS budget's own setting wins
        await AssertRedisDownShareAsync(options, share: 3); // 10 / 3 rounded down (three instances: 9, never above 10): not 10 (unlimited), not 0
    }

    [Fact]
    public async Task Admit_RedisDown_StsExpectedInstancesUnset_TheRateLimitsFleetSizeApplies()
    {
        var options = TestOptions.Valid();
        options.Sts.MaxAssumeRolePerSecond = 10;
        options.Sts.ExpectedInstances = null;
        options.RateLimits.ExpectedInstances = 5;
        await AssertRedisDownShareAsync(options, share: 2); // 10 / 5; with 1 instance it would be all 10
    }

    private async Task AssertRedisDownShareAsync(TenantIsolationOptions options, int share)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var admission = new StsAdmission(TestOptions.Wrap(options), time, _metrics!, NullLogger<StsAdmission>.Instance, await StoreAsync(TimeProvider.System));
        await _host!.KillAsync();

        var calls = new List<Task>();
        for (var i = 0; i < 10; i++)
        {
            var call = admission.AdmitAsync(OrganizationId.Parse("acme"), refresh: false).AsTask();
            calls.Add(call);
            await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(2)));
        }

        await Task.Delay(100);
        Assert.True(admission.IsFallback);
        Assert.Equal(share, calls.Count(c => c.IsCompletedSuccessfully));
        Assert.Equal(10 - share, admission.Waiting);
    }

    [Fact]
    public async Task Admit_RedisUp_TheFleetsBudgetApplies_NotTheLocalShare()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = TestOptions.Valid();
        options.Sts.MaxAssumeRolePerSecond = 10;
        options.Sts.ExpectedInstances = 3; // a share of 3
        using var admission = new StsAdmission(TestOptions.Wrap(options), time, _metrics!, NullLogger<StsAdmission>.Instance, await StoreAsync(TimeProvider.System));
        var other = await StoreAsync(TimeProvider.System); // another member of the fleet (counting itself as alone)
        List<Task> calls;
        var attempt = 0;
        while (true)
        {
            // Early in a Redis second, so the other member's 8 and these calls fall in the same second.
            await Task.Delay(TimeSpan.FromMilliseconds(1000 - DateTimeOffset.UtcNow.Millisecond + 20));
            var second = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            Assert.Equal(8, (await other.TryTakeAsync(8, 10))!.Value.Granted);
            calls = [];
            for (var i = 0; i < 3; i++)
            {
                calls.Add(admission.AdmitAsync(OrganizationId.Parse("acme"), refresh: false).AsTask());
                await Task.WhenAny(calls[^1], Task.Delay(TimeSpan.FromMilliseconds(300)));
            }

            if (DateTimeOffset.UtcNow.ToUnixTimeSeconds() == second || ++attempt == 5)
            {
                break;
            }

            time.Advance(TimeSpan.FromSeconds(1)); // the next attempt is another second for the admission too
        }

        Assert.False(admission.IsFallback);
        Assert.Equal(2, calls.Count(c => c.IsCompletedSuccessfully)); // what the fleet had left: not the local share of 3
    }

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
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
