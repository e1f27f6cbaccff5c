using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Tests.Caching;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Gateway.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.Credentials;

/// <summary>
/// <see cref="CredentialCache.RejectedAsync"/> and <see cref="CredentialCache.OnCredentialsRejected"/>: a set the data store
/// rejected is dropped (L1, L2, the fleet) and the next request mints a new one — only that set (never a newer one minted
/// meanwhile, never another key's), at most once per <c>Cache:RejectionCooldown</c> per key. Fake clock, fake STS, a
/// simulated Redis; the real Redis and real processes: <c>RejectedCredentialsTests</c> in Gateway.Tests.
/// </summary>
public sealed class CredentialCacheRejectionTests : IDisposable
{
    private static readonly PermissionSet ReadWrite = new() { Name = "read-write", Tables = [new TableAccess { TableName = "Applications", PartitionKey = "organizationId", Read = true, Write = true }] };
    private static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeCredentialIssuer _issuer;
    private readonly TestMeterFactory _meters = new();
    private readonly IsolationMetrics _metrics;
    private readonly MetricCollector<long> _rejected;
    private readonly TestSharedCache _redis = new();
    private readonly FakeAnnouncer _backplane = new();
    private readonly TenantIsolationOptions _options = TestOptions.Valid();
    private readonly List<CredentialCache> _instances = [];

    public CredentialCacheRejectionTests()
    {
        _issuer = new FakeCredentialIssuer(_time);
        _metrics = new IsolationMetrics(_meters);
        _rejected = new MetricCollector<long>(_meters.Meters.Single(), "gateway.credentials.rejected");
        _options.Cache.RejectionCooldown = Cooldown;
    }

    private CredentialCache Alone() => Add(new CredentialCache(_issuer, TestOptions.Wrap(_options), _time, _metrics, NullLogger<CredentialCache>.Instance));

    private CredentialCache InFleet()
    {
        var cache = new CredentialCache(_issuer, TestOptions.Wrap(_options), _time, _metrics, NullLogger<CredentialCache>.Instance, _redis.For(_time, _metrics, _backplane));
        _backplane.Listeners.Add(cache);
        return Add(cache);
    }

    private CredentialCache Add(CredentialCache cache)
    {
        _instances.Add(cache);
        return cache;
    }

    private static CredentialKey Key(string org = "acme") => new(OrganizationId.Parse(org), "read-write", null, "0123456789abcdef");

    private static async Task<ScopedCredentials> GetAsync(CredentialCache cache, string org = "acme")
        => (await cache.GetAsync(Key(org), ReadWrite, CancellationToken.None)).Credentials!;

    private long Counted(string outcome)
        => _rejected.GetMeasurementSnapshot().Where(m => Equals(m.Tags["outcome"], outcome)).Sum(m => m.Value);

    [Fact]
    public async Task RejectedAsync_CurrentSet_DroppedAndTheNextRequestMintsANewOne()
    {
        var cache = Alone();
        var rejected = await GetAsync(cache);
        Assert.Same(rejected, await GetAsync(cache)); // twin: without a report the cached set is served

        var outcome = await cache.RejectedAsync(Key(), rejected);
        var next = await GetAsync(cache);

        Assert.Equal(CredentialRejectionOutcome.Dropped, outcome);
        Assert.NotEqual(rejected.AccessKeyId, next.AccessKeyId);
        Assert.Equal(2, _issuer.Calls);
        Assert.Equal(1, Counted("dropped"));
        Assert.Equal(_time.GetUtcNow(), cache.LastRejection);
    }

    [Fact]
    public async Task RejectedAsync_AgainWithinTheCooldown_NothingDropped_AfterItTheNewSetIsDropped()
    {
        // A backend that answers with the header every time: one re-mint per key per cooldown, not one per request.
        var cache = Alone();
        await cache.RejectedAsync(Key(), await GetAsync(cache));
        var second = await GetAsync(cache);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(CredentialRejectionOutcome.Cooldown, await cache.RejectedAsync(Key(), second));
            Assert.Same(second, await GetAsync(cache));
        }

        _time.Advance(Cooldown - TimeSpan.FromSeconds(1));
        Assert.Equal(CredentialRejectionOutcome.Cooldown, await cache.RejectedAsync(Key(), second));
        Assert.Equal(2, _issuer.Calls);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(CredentialRejectionOutcome.Dropped, await cache.RejectedAsync(Key(), second));
        Assert.NotEqual(second.AccessKeyId, (await GetAsync(cache)).AccessKeyId);
        Assert.Equal(3, _issuer.Calls);
        Assert.Equal(2, Counted("dropped"));
        Assert.Equal(11, Counted("cooldown"));
    }

    [Fact]
    public async Task RejectedAsync_NewerSetMintedMeanwhile_NewerSetStays()
    {
        // The race: a request was served with the first set; before its backend's answer came back, refresh-ahead put a
        // newer set in the cache. The report names the first set: the newer one is not dropped and STS is not called.
        var cache = Alone();
        var served = await GetAsync(cache);
        _time.Advance(TimeSpan.FromMinutes(51)); // inside refresh-ahead
        await GetAsync(cache);
        await Eventually.UntilAsync(() => cache.GetAsync(Key(), ReadWrite, CancellationToken.None).AsTask().Result.Credentials!.AccessKeyId != served.AccessKeyId);
        var newer = await GetAsync(cache);

        var outcome = await cache.RejectedAsync(Key(), served);

        Assert.Equal(CredentialRejectionOutcome.Superseded, outcome);
        Assert.Same(newer, await GetAsync(cache));
        Assert.Equal(2, _issuer.Calls);
        Assert.Null(cache.LastRejection);
        // No cooldown was started: the newer set, once rejected itself, is dropped at once.
        Assert.Equal(CredentialRejectionOutcome.Dropped, await cache.RejectedAsync(Key(), newer));
    }

    [Fact]
    public async Task RejectedAsync_AnotherOrganizationsSetUntouched()
    {
        // A report can only drop the key and set it names (the engine passes the request's own): globex keeps its set while
        // acme's is re-minted (the twin).
        var cache = Alone();
        var acme = await GetAsync(cache, "acme");
        var globex = await GetAsync(cache, "globex");

        await cache.RejectedAsync(Key("acme"), acme);

        Assert.Same(globex, await GetAsync(cache, "globex"));
        Assert.NotEqual(acme.AccessKeyId, (await GetAsync(cache, "acme")).AccessKeyId);
        Assert.Equal(3, _issuer.Calls);
    }

    [Fact]
    public async Task RejectedAsync_SetOfAnotherKeyReportedUnderThisKey_NotDropped()
    {
        // Another key's access key id under acme's key (which is never what the engine passes) does not match acme's set.
        var cache = Alone();
        var acme = await GetAsync(cache, "acme");
        var globex = await GetAsync(cache, "globex");

        Assert.Equal(CredentialRejectionOutcome.Superseded, await cache.RejectedAsync(Key("acme"), globex));

        Assert.Same(acme, await GetAsync(cache, "acme"));
        Assert.Same(globex, await GetAsync(cache, "globex"));
    }

    [Fact]
    public async Task RejectedAsync_InFleet_RemovedFromL2AndEveryInstance_OneNewAssumeRole()
    {
        var first = InFleet();
        var second = InFleet();
        var rejected = await GetAsync(first);
        Assert.Equal(rejected.AccessKeyId, (await GetAsync(second)).AccessKeyId); // from L2
        Assert.Equal(1, _issuer.Calls);

        Assert.Equal(CredentialRejectionOutcome.Dropped, await first.RejectedAsync(Key(), rejected));
        Assert.Empty(_redis.Redis.Values);
        var minted = await GetAsync(first);
        var onSecond = await GetAsync(second);

        Assert.NotEqual(rejected.AccessKeyId, minted.AccessKeyId);
        Assert.Equal(minted.AccessKeyId, onSecond.AccessKeyId); // the second instance dropped its copy and took the new set from L2
        Assert.Equal(2, _issuer.Calls);
        Assert.NotNull(second.LastRejection);
        // The cooldown is the fleet's: the second instance's backend reporting the new set at once drops nothing.
        Assert.Equal(CredentialRejectionOutcome.Cooldown, await second.RejectedAsync(Key(), onSecond));
    }

    [Fact]
    public async Task RejectedAsync_L2HoldsANewerSet_L2EntryKept()
    {
        // Another instance already dropped the set and minted a newer one into L2; a late report of the old set comes from
        // an instance that holds nothing for the key and never heard of the drop: the newer set in L2 stays.
        var first = InFleet();
        var rejected = await GetAsync(first);
        await first.RejectedAsync(Key(), rejected);
        var newer = await GetAsync(first);
        var late = Add(new CredentialCache(_issuer, TestOptions.Wrap(_options), _time, _metrics, NullLogger<CredentialCache>.Instance, _redis.For(_time, _metrics)));

        await late.RejectedAsync(Key(), rejected);

        Assert.Single(_redis.Redis.Values);
        Assert.Equal(newer.AccessKeyId, (await GetAsync(InFleet())).AccessKeyId);
        Assert.Same(newer, await GetAsync(first));
        Assert.Equal(2, _issuer.Calls);
    }

    [Fact]
    public async Task OnCredentialsRejected_RejectedSetStillInL2_NotTakenFromIt()
    {
        // An announcement reached this instance but L2 still holds the rejected set (its removal failed or raced): it is a
        // miss, not served again.
        var first = InFleet();
        var rejected = await GetAsync(first);
        var listener = InFleet();
        _backplane.Listeners.Clear();

        listener.OnCredentialsRejected(new CredentialsRejectedMessage("acme", "read-write", "0123456789abcdef", null, rejected.AccessKeyId));
        var next = await GetAsync(listener);

        Assert.NotEqual(rejected.AccessKeyId, next.AccessKeyId);
        Assert.Equal(2, _issuer.Calls);
        Assert.Same(rejected, await GetAsync(first)); // twin: an instance that did not hear of it still has its copy
    }

    [Fact]
    public async Task OnCredentialsRejected_RepeatOfAnAnnouncedSet_TheSetMintedSinceKept()
    {
        // An announcement repeated (the instance's own echo, a resend, or a replay by anyone who can publish on Redis) names
        // a set already dropped here: the set minted since stays and STS is not called again, so no number of repeats
        // re-mints more than the one set they name. The twin: the first announcement dropped the set it named.
        var cache = Alone();
        var rejected = await GetAsync(cache);
        var announcement = new CredentialsRejectedMessage("acme", "read-write", "0123456789abcdef", null, rejected.AccessKeyId);
        cache.OnCredentialsRejected(announcement);
        var newer = await GetAsync(cache);
        Assert.NotEqual(rejected.AccessKeyId, newer.AccessKeyId);

        for (var i = 0; i < 5; i++)
        {
            cache.OnCredentialsRejected(announcement);
            _time.Advance(TimeSpan.FromSeconds(10)); // within and past the cooldown (the rejected set has not expired)
            Assert.Same(newer, await GetAsync(cache));
        }

        Assert.Equal(2, _issuer.Calls);
    }

    [Fact]
    public async Task OnCredentialsRejected_NewerSetCached_Kept()
    {
        var cache = InFleet();
        var current = await GetAsync(cache);

        cache.OnCredentialsRejected(new CredentialsRejectedMessage("acme", "read-write", "0123456789abcdef", null, "ASIAOLDERSET0000000"));

        Assert.Same(current, await GetAsync(cache));
        Assert.Equal(1, _issuer.Calls);
    }

    [Fact]
    public async Task CredentialRejectionHealthCheck_DegradedDuringTheCooldownAfterADrop_ThenHealthy()
    {
        var cache = Alone();
        var check = new CredentialRejectionHealthCheck(cache, _time);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, (await check.CheckHealthAsync(null!)).Status);

        await cache.RejectedAsync(Key(), await GetAsync(cache));
        var during = await check.CheckHealthAsync(null!);
        _time.Advance(Cooldown - TimeSpan.FromSeconds(1));
        var late = await check.CheckHealthAsync(null!);
        _time.Advance(TimeSpan.FromSeconds(1));
        var after = await check.CheckHealthAsync(null!);

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, during.Status);
        Assert.StartsWith("the data store rejected a credential set at 2026-01-01T00:00:00", during.Description, StringComparison.Ordinal);
        Assert.Contains("minting new credentials", during.Description, StringComparison.Ordinal);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, late.Status);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, after.Status);
        Assert.Equal("no credential set rejected by the data store in the last 30 s", after.Description);
    }

    public void Dispose()
    {
        foreach (var cache in _instances)
        {
            cache.Dispose();
        }

        _rejected.Dispose();
        _redis.Dispose();
        _meters.Dispose();
    }

    /// <summary>The backplane: every announcement reaches every listening instance, synchronously.</summary>
    private sealed class FakeAnnouncer : IFleetAnnouncer
    {
        public List<ICredentialRejectionListener> Listeners { get; } = [];

        public Task AnnounceAsync(CredentialsRejectedMessage message, CancellationToken cancellationToken)
        {
            foreach (var listener in Listeners.ToArray())
            {
                listener.OnCredentialsRejected(message);
            }

            return Task.CompletedTask;
        }
    }
}
