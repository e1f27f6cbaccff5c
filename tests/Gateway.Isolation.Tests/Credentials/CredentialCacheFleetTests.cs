using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Tests.Caching;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Gateway.Isolation.Tests.Credentials;

/// <summary><see cref="CredentialCache"/> in fleet mode: several instances (one fake clock, one issuer = one STS) over one simulated Redis.</summary>
public sealed class CredentialCacheFleetTests : IDisposable
{
    private static readonly PermissionSet ReadWrite = new() { Name = "read-write", Tables = [new TableAccess { TableName = "Applications", PartitionKey = "organizationId", Read = true, Write = true }] };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeCredentialIssuer _issuer;
    private readonly TestMeterFactory _meters = new();
    private readonly IsolationMetrics _metrics;
    private readonly TestSharedCache _redis = new();
    private readonly TenantIsolationOptions _options = TestOptions.Valid();
    private readonly List<CredentialCache> _instances = [];

    public CredentialCacheFleetTests()
    {
        _issuer = new FakeCredentialIssuer(_time);
        _metrics = new IsolationMetrics(_meters);
    }

    private CredentialCache Instance()
    {
        var cache = new CredentialCache(_issuer, TestOptions.Wrap(_options), _time, _metrics, NullLogger<CredentialCache>.Instance, _redis.For(_time, _metrics));
        _instances.Add(cache);
        return cache;
    }

    private static CredentialKey Key(string org = "acme") => new(OrganizationId.Parse(org), "read-write", null, "0123456789abcdef");

    [Fact]
    public async Task GetAsync_ConcurrentFirstRequestsOverThreeInstances_OneIssuerCall()
    {
        var instances = new[] { Instance(), Instance(), Instance() };
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _issuer.Gate = gate.Task;

        var requests = Enumerable.Range(0, 90).Select(i => Task.Run(async () => await instances[i % 3].GetAsync(Key(), ReadWrite, CancellationToken.None))).ToArray();
        await Eventually.UntilAsync(() => _issuer.Calls == 1 && _redis.Lock.Taken == 1);
        gate.SetResult();
        await AdvanceUntilAsync(() => requests.All(r => r.IsCompleted));
        var results = await Task.WhenAll(requests);

        Assert.Equal(1, _issuer.Calls);
        Assert.All(results, r => Assert.Equal(results[0].Credentials!.AccessKeyId, r.Credentials!.AccessKeyId));
    }

    [Fact]
    public async Task GetAsync_SecondInstance_ServedFromL2()
    {
        var first = await Instance().GetAsync(Key(), ReadWrite, CancellationToken.None);
        var second = await Instance().GetAsync(Key(), ReadWrite, CancellationToken.None);

        Assert.Equal(1, _issuer.Calls);
        Assert.Equal(first.Credentials!.AccessKeyId, second.Credentials!.AccessKeyId);
        Assert.Equal(first.Credentials.SecretAccessKey, second.Credentials.SecretAccessKey);
    }

    [Fact]
    public async Task GetAsync_OtherOrganization_NotServedFromL2()
    {
        await Instance().GetAsync(Key("acme"), ReadWrite, CancellationToken.None);
        var globex = await Instance().GetAsync(Key("globex"), ReadWrite, CancellationToken.None);

        Assert.Equal(2, _issuer.Calls);
        Assert.Equal("globex", _issuer.Issued.Last().Key.OrganizationId.Value);
        Assert.NotNull(globex.Credentials);
    }

    [Fact]
    public async Task GetAsync_LockTierDown_FallsBackToPerInstanceSingleFlight()
    {
        _redis.Lock.Fail = true;
        var instances = new[] { Instance(), Instance() };
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _issuer.Gate = gate.Task;

        var requests = Enumerable.Range(0, 60).Select(i => Task.Run(async () => await instances[i % 2].GetAsync(Key(), ReadWrite, CancellationToken.None))).ToArray();
        await Eventually.UntilAsync(() => _issuer.Calls == 2);
        gate.SetResult();
        var results = await Task.WhenAll(requests);

        Assert.Equal(2, _issuer.Calls); // one per instance, none failed
        Assert.All(results, r => Assert.NotNull(r.Credentials));
    }

    [Fact]
    public async Task GetAsync_RedisDown_ServedThroughIssuerAndCachedInL1()
    {
        _redis.Redis.FailWith = new RedisConnectionException(ConnectionFailureType.SocketFailure, "down");
        var instance = Instance();

        var first = await instance.GetAsync(Key(), ReadWrite, CancellationToken.None);
        var second = await instance.GetAsync(Key(), ReadWrite, CancellationToken.None);

        Assert.NotNull(first.Credentials);
        Assert.Same(first.Credentials, second.Credentials);
        Assert.Equal(1, _issuer.Calls);
    }

    [Fact]
    public async Task GetAsync_LockHeldButNoResultAppears_CallsIssuerAfterLockWait()
    {
        await _redis.Lock.TryTakeAsync(SharedCacheKeys.Lock(Key().SharedCacheKey), "another-instance", TimeSpan.FromMinutes(1), CancellationToken.None);

        var pending = Instance().GetAsync(Key(), ReadWrite, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);
        Assert.Equal(0, _issuer.Calls);
        await AdvanceUntilAsync(() => pending.IsCompleted);

        Assert.NotNull((await pending).Credentials);
        Assert.Equal(1, _issuer.Calls);
        Assert.True(_time.GetUtcNow() - new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) >= _redis.Options.LockWait);
    }

    [Fact]
    public async Task GetAsync_TamperedL2Entry_IsAMissAndTheInstanceIssues()
    {
        await Instance().GetAsync(Key(), ReadWrite, CancellationToken.None);
        var stored = _redis.Redis.Values[Key().SharedCacheKey];
        stored[^3] ^= 0x40;

        var second = await Instance().GetAsync(Key(), ReadWrite, CancellationToken.None);

        Assert.NotNull(second.Credentials);
        Assert.Equal(2, _issuer.Calls);
    }

    [Fact]
    public async Task GetAsync_L2EntryMovedUnderAnotherOrganization_Rejected()
    {
        await Instance().GetAsync(Key("acme"), ReadWrite, CancellationToken.None);
        _redis.Redis.Values[Key("globex").SharedCacheKey] = _redis.Redis.Values[Key("acme").SharedCacheKey];

        var globex = await Instance().GetAsync(Key("globex"), ReadWrite, CancellationToken.None);

        Assert.Equal(2, _issuer.Calls);
        Assert.Equal("globex", _issuer.Issued.Last().Key.OrganizationId.Value);
        Assert.NotEqual("ASIA0000000000000001", globex.Credentials!.AccessKeyId);
    }

    [Fact]
    public async Task RefreshAhead_OneInstanceRefreshes_OthersTakeTheNewCredentialsFromL2()
    {
        var a = Instance();
        var b = Instance();
        await a.GetAsync(Key(), ReadWrite, CancellationToken.None);
        await b.GetAsync(Key(), ReadWrite, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(51)); // inside refresh-ahead, outside the buffer

        await a.GetAsync(Key(), ReadWrite, CancellationToken.None);
        await Eventually.UntilAsync(() => _issuer.Calls == 2 && _redis.Lock.Taken == 2 && a.GetAsync(Key(), ReadWrite, CancellationToken.None).AsTask().Result.Credentials!.AccessKeyId.EndsWith('2'));
        await b.GetAsync(Key(), ReadWrite, CancellationToken.None); // starts b's refresh, which finds a's result in L2
        await Eventually.UntilAsync(() => b.GetAsync(Key(), ReadWrite, CancellationToken.None).AsTask().Result.Credentials!.AccessKeyId.EndsWith('2'));

        Assert.Equal(2, _issuer.Calls);
    }

    [Fact]
    public async Task GetAsync_Issued_L2EntryExpiresAtTheExpiryBuffer()
    {
        var issued = await Instance().GetAsync(Key(), ReadWrite, CancellationToken.None);

        var expiresAt = _redis.Redis.Expirations[Key().SharedCacheKey];
        Assert.Equal(issued.Credentials!.Expiration - _options.ExpiryBuffer, expiresAt);
    }

    [Fact]
    public async Task GetAsync_L2EntryInsideTheExpiryBuffer_SecondInstanceIssuesInsteadOfServingIt()
    {
        var first = await Instance().GetAsync(Key(), ReadWrite, CancellationToken.None);
        _time.Advance(_issuer.Lifetime - _options.ExpiryBuffer + TimeSpan.FromSeconds(1)); // the entry is still in (fake) Redis

        var second = await Instance().GetAsync(Key(), ReadWrite, CancellationToken.None);

        Assert.Equal(2, _issuer.Calls);
        Assert.NotEqual(first.Credentials!.AccessKeyId, second.Credentials!.AccessKeyId);
        Assert.True(second.Credentials.Expiration - _options.ExpiryBuffer > _time.GetUtcNow());
    }

    [Fact]
    public async Task GetAsync_L2EntryJustOutsideTheExpiryBuffer_SecondInstanceServesIt()
    {
        // The twin: one second earlier the entry is usable and no second AssumeRole is made.
        var first = await Instance().GetAsync(Key(), ReadWrite, CancellationToken.None);
        _time.Advance(_issuer.Lifetime - _options.ExpiryBuffer - TimeSpan.FromSeconds(1));

        var second = await Instance().GetAsync(Key(), ReadWrite, CancellationToken.None);

        Assert.Equal(1, _issuer.Calls);
        Assert.Equal(first.Credentials!.AccessKeyId, second.Credentials!.AccessKeyId);
    }

    [Fact]
    public async Task GetAsync_WithoutSharedCache_NeverTouchesRedis()
    {
        var alone = new CredentialCache(_issuer, TestOptions.Wrap(_options), _time, _metrics, NullLogger<CredentialCache>.Instance);
        _instances.Add(alone);

        await alone.GetAsync(Key(), ReadWrite, CancellationToken.None);

        Assert.Equal(0, _redis.Redis.Calls);
        Assert.Equal(1, _issuer.Calls);
    }

    private async Task AdvanceUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 400 && !condition(); i++)
        {
            _time.Advance(SharedCache.PollInterval);
            await Task.Delay(5);
        }

        Assert.True(condition(), "condition not reached within 400 poll intervals");
    }


    public void Dispose()
    {
        foreach (var instance in _instances)
        {
            instance.Dispose();
        }

        _redis.Dispose();
        _metrics.Dispose();
        _meters.Dispose();
    }
}
