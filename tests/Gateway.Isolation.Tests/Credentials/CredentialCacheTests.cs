using Gateway.Testing;
using Amazon.SecurityToken;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.Credentials;

public sealed class CredentialCacheTests : IDisposable
{
    private static readonly PermissionSet ReadWrite = new() { Name = "read-write", Tables = [new TableAccess { TableName = "Applications", PartitionKey = "organizationId", Read = true, Write = true }] };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeCredentialIssuer _issuer;
    private readonly TestMeterFactory _meters = new();
    private readonly IsolationMetrics _metrics;
    private readonly MetricCollector<long> _refreshes;
    private readonly TenantIsolationOptions _options = TestOptions.Valid();
    private CredentialCache? _cache;

    public CredentialCacheTests()
    {
        _issuer = new FakeCredentialIssuer(_time);
        _metrics = new IsolationMetrics(_meters);
        _refreshes = new MetricCollector<long>(_meters.Meters.Single(), "gateway.credentials.cache.refreshes");
        _options.RefreshAhead = TimeSpan.FromMinutes(10);
        _options.ExpiryBuffer = TimeSpan.FromMinutes(2);
        _options.Cache.RefreshRetryInterval = TimeSpan.FromSeconds(5);
    }

    private CredentialCache Cache => _cache ??= new CredentialCache(_issuer, TestOptions.Wrap(_options), _time, _metrics, NullLogger<CredentialCache>.Instance);

    private static CredentialKey Key(string org = "acme") => new(OrganizationId.Parse(org), "read-write", null, "0123456789abcdef");

    [Fact]
    public async Task GetAsync_MissThenHit_IssuesOnce()
    {
        var first = await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None);
        var second = await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None);

        Assert.NotNull(first.Credentials);
        Assert.Same(first.Credentials, second.Credentials);
        Assert.Equal(1, _issuer.Calls);
    }

    [Fact]
    public async Task GetAsync_DifferentKeys_IssueSeparately()
    {
        var acme = await Cache.GetAsync(Key("acme"), ReadWrite, CancellationToken.None);
        var globex = await Cache.GetAsync(Key("globex"), ReadWrite, CancellationToken.None);
        var perUser = await Cache.GetAsync(new CredentialKey(OrganizationId.Parse("acme"), "read-write", "alice", "0123456789abcdef"), ReadWrite, CancellationToken.None);

        Assert.NotSame(acme.Credentials, globex.Credentials);
        Assert.NotSame(acme.Credentials, perUser.Credentials);
        Assert.Equal(3, _issuer.Calls);
    }

    [Fact]
    public async Task GetAsync_SameSetOtherPolicyDigest_NotServedFromL1()
    {
        // The in-process level is keyed by the policy digest too: credentials minted under one definition of read-write
        // never answer for another.
        var before = await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None);

        var after = await Cache.GetAsync(Key() with { PolicyDigest = "fedcba9876543210" }, ReadWrite, CancellationToken.None);

        Assert.NotSame(before.Credentials, after.Credentials);
        Assert.Equal(2, _issuer.Calls);
    }

    [Fact]
    public async Task GetAsync_ConcurrentMisses_MakeOneIssuerCall()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _issuer.Gate = gate.Task;
        var cache = Cache; // one instance, created before the callers race (a lazy ??= inside the tasks made several caches)
        var waiting = 0;

        var requests = Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
        {
            // GetAsync returns once this caller has missed and joined the (gated) flight.
            var pending = cache.GetAsync(Key(), ReadWrite, CancellationToken.None);
            Interlocked.Increment(ref waiting);
            return await pending;
        })).ToArray();
        await Eventually.UntilAsync(() => Volatile.Read(ref waiting) == requests.Length && _issuer.Calls > 0);
        Assert.All(requests, r => Assert.False(r.IsCompleted, "a caller finished while the issuer was still gated"));
        gate.SetResult();
        var results = await Task.WhenAll(requests);

        Assert.Equal(1, _issuer.Calls);
        Assert.All(results, r => Assert.Same(results[0].Credentials, r.Credentials));
    }

    [Fact]
    public async Task MissPath_AfterAnotherFlightCachedFreshCredentials_DoesNotCallStsAgain()
    {
        var cached = (await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None)).Credentials;

        // A caller that saw a miss just before the first flight stored its result arrives at the miss path late.
        var late = await Cache.WaitForFreshAsync(Key(), ReadWrite, CancellationToken.None);

        Assert.Same(cached, late.Credentials);
        Assert.Equal(1, _issuer.Calls);
    }

    [Fact]
    public async Task MissPath_CachedCredentialsInsideExpiryBuffer_CallsStsAgain()
    {
        var cached = (await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None)).Credentials!;
        _time.Advance(cached.Expiration - _time.GetUtcNow() - _options.ExpiryBuffer + TimeSpan.FromSeconds(1));

        var fresh = await Cache.WaitForFreshAsync(Key(), ReadWrite, CancellationToken.None);

        Assert.NotSame(cached, fresh.Credentials);
        Assert.Equal(2, _issuer.Calls);
    }

    [Fact]
    public async Task GetAsync_InsideRefreshAheadWindow_ServesCurrentAndRefreshesOnceInBackground()
    {
        var original = (await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None)).Credentials;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _issuer.Gate = gate.Task;
        _time.Advance(TimeSpan.FromMinutes(51)); // 9 minutes left: inside refresh-ahead (10), outside the buffer (2)

        var during = new List<ScopedCredentials?>();
        for (var i = 0; i < 20; i++)
        {
            during.Add((await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None)).Credentials);
        }

        Assert.All(during, c => Assert.Same(original, c));
        // Refreshes are claimed and started synchronously inside GetAsync: the count is final once the loop is done.
        Assert.Equal(1, _refreshes.GetMeasurementSnapshot().EvaluateAsCounter()); // exactly one background refresh
        await Eventually.UntilAsync(() => _issuer.Calls == 2);
        gate.SetResult();
        await Eventually.UntilAsync(() => !ReferenceEquals(Cache.GetAsync(Key(), ReadWrite, CancellationToken.None).AsTask().Result.Credentials, original));
        Assert.Equal(2, _issuer.Calls);
    }

    [Fact]
    public async Task GetAsync_BeforeRefreshAheadWindow_DoesNotRefresh()
    {
        await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(49)); // 11 minutes left

        await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None);

        Assert.Equal(1, _issuer.Calls);
    }

    [Fact]
    public async Task GetAsync_PastExpiryBuffer_WaitsForFreshCredentials()
    {
        var original = (await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None)).Credentials!;
        _time.Advance(TimeSpan.FromMinutes(59)); // 1 minute left: inside the 2-minute buffer

        var fresh = (await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None)).Credentials!;

        Assert.NotSame(original, fresh);
        Assert.True(fresh.Expiration > _time.GetUtcNow() + _options.ExpiryBuffer);
    }

    [Fact]
    public async Task GetAsync_IssuerFails_ReturnsUnavailableAndDoesNotCacheTheFailure()
    {
        _issuer.FailWith = new AmazonSecurityTokenServiceException("Rate exceeded") { ErrorCode = "Throttling" };

        var failed = await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None);

        Assert.Null(failed.Credentials);
        Assert.Equal(_options.Sts.RetryAfter, failed.RetryAfter);

        _issuer.FailWith = null;
        var recovered = await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None);
        Assert.NotNull(recovered.Credentials);
        Assert.Equal(2, _issuer.Calls);
    }

    [Fact]
    public async Task GetAsync_IssuerUnavailableWithRetryAfter_UsesTheIssuersRetryAfter()
    {
        _issuer.FailWith = new IssuerUnavailableException("The STS circuit is open.", TimeSpan.FromSeconds(17), null);

        var failed = await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None);

        Assert.Null(failed.Credentials);
        Assert.Equal(TimeSpan.FromSeconds(17), failed.RetryAfter);
        Assert.NotEqual(_options.Sts.RetryAfter, failed.RetryAfter); // the twin above gets the configured default
    }

    [Fact]
    public async Task Evict_PerUserCredentials_DropsOnlyThatUsers()
    {
        var alice = new CredentialKey(OrganizationId.Parse("acme"), "read-write", "alice", "0123456789abcdef");
        var bob = new CredentialKey(OrganizationId.Parse("acme"), "read-write", "bob", "0123456789abcdef");
        await Cache.GetAsync(alice, ReadWrite, CancellationToken.None);
        await Cache.GetAsync(bob, ReadWrite, CancellationToken.None);
        await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None);

        Assert.Equal(1, Cache.Evict("alice", null));
        Assert.Equal(2, Cache.Count);
        await Cache.GetAsync(bob, ReadWrite, CancellationToken.None);
        Assert.Equal(3, _issuer.Calls);
        await Cache.GetAsync(alice, ReadWrite, CancellationToken.None);
        Assert.Equal(4, _issuer.Calls);
    }

    [Fact]
    public async Task Evict_WholeOrganization_DropsEverySetOfIt_TwinsOtherOrganizationsAndALookalikeStay()
    {
        // revoke --organization acme: every set of acme (organization-wide and per-user, any permission set or digest) was
        // issued before the cut-off and must be minted again; globex and acme-2 (acme is its prefix) keep theirs.
        var acmeAlice = new CredentialKey(OrganizationId.Parse("acme"), "read-write", "alice", "0123456789abcdef");
        var acmeOtherDigest = Key() with { PolicyDigest = "fedcba9876543210" };
        foreach (var key in new[] { Key(), acmeAlice, acmeOtherDigest, Key("globex"), Key("acme-2") })
        {
            await Cache.GetAsync(key, ReadWrite, CancellationToken.None);
        }

        Assert.Equal(3, Cache.Evict(null, "acme"));

        Assert.Equal(2, Cache.Count);
        await Cache.GetAsync(Key("globex"), ReadWrite, CancellationToken.None);
        await Cache.GetAsync(Key("acme-2"), ReadWrite, CancellationToken.None);
        Assert.Equal(5, _issuer.Calls); // the twins: served from the cache
        foreach (var key in new[] { Key(), acmeAlice, acmeOtherDigest })
        {
            await Cache.GetAsync(key, ReadWrite, CancellationToken.None);
        }

        Assert.Equal(8, _issuer.Calls);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Evict_WhileAnAssumeRoleIsInFlight_ItsSetIsNeitherHandedOutNorCached_TwinOtherOrganizationsLoadServed(bool organizationWide)
    {
        // An AssumeRole for acme began before the eviction (its set may be issued before revoke's cut-off): the callers
        // waiting for it — and those arriving later — get a set minted after the eviction; globex's load in flight at the
        // same moment is handed out and cached (an eviction loses nothing of another organization).
        var alice = new CredentialKey(OrganizationId.Parse("acme"), "read-write", "alice", "0123456789abcdef");
        var acmeKey = organizationWide ? Key() : alice;
        var cache = Cache;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _issuer.Gate = gate.Task;
        var acme = cache.GetAsync(acmeKey, ReadWrite, CancellationToken.None).AsTask();
        var globex = cache.GetAsync(Key("globex"), ReadWrite, CancellationToken.None).AsTask();
        await Eventually.UntilAsync(() => _issuer.Calls == 2);

        cache.Evict(organizationWide ? null : "alice", "acme");
        _issuer.Gate = null;
        gate.SetResult();
        var (acmeResult, globexResult) = (await acme, await globex);

        Assert.Equal(3, _issuer.Calls); // acme's overtaken load was followed by one more AssumeRole; globex's was not
        var issuedFirst = _issuer.Issued.ToArray();
        Assert.Equal(acmeKey, issuedFirst[2].Key);
        Assert.Equal("ASIA0000000000000003", acmeResult.Credentials!.AccessKeyId);
        Assert.NotNull(globexResult.Credentials);
        Assert.Same(acmeResult.Credentials, (await cache.GetAsync(acmeKey, ReadWrite, CancellationToken.None)).Credentials);
        Assert.Same(globexResult.Credentials, (await cache.GetAsync(Key("globex"), ReadWrite, CancellationToken.None)).Credentials);
        Assert.Equal(3, _issuer.Calls);
    }

    [Fact]
    public async Task GetAsync_IssuerReturnsExpiredCredentials_RejectsThem()
    {
        _issuer.Lifetime = TimeSpan.FromMinutes(1); // inside the 2-minute buffer on arrival

        var result = await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None);

        Assert.Null(result.Credentials);
        Assert.Equal(0, Cache.Count);
    }

    [Fact]
    public async Task GetAsync_RefreshFailsWhileCached_KeepsServingUntilBuffer()
    {
        var original = (await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None)).Credentials;
        _issuer.FailWith = new AmazonSecurityTokenServiceException("down") { ErrorCode = "InternalFailure" };
        _time.Advance(TimeSpan.FromMinutes(55));

        for (var i = 0; i < 5; i++)
        {
            Assert.Same(original, (await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None)).Credentials);
        }

        await Eventually.UntilAsync(() => _issuer.Calls == 2);
        _time.Advance(TimeSpan.FromMinutes(4)); // past the buffer: no more serving stale credentials
        var result = await Cache.GetAsync(Key(), ReadWrite, CancellationToken.None);
        Assert.Null(result.Credentials);
    }

    [Fact]
    public async Task GetAsync_MoreKeysThanSizeLimit_StaysBoundedAndKeepsRecentlyUsed()
    {
        _options.Cache.SizeLimit = 3;
        for (var i = 0; i < 10; i++)
        {
            var result = await Cache.GetAsync(Key($"org-{i}"), ReadWrite, CancellationToken.None);
            Assert.NotNull(result.Credentials);
            Assert.True(Cache.Count <= 3, $"cache holds {Cache.Count} entries");
        }

        var calls = _issuer.Calls;
        await Cache.GetAsync(Key("org-9"), ReadWrite, CancellationToken.None); // most recent survives
        Assert.Equal(calls, _issuer.Calls);
    }

    [Fact]
    public async Task GetAsync_CallerCancels_OtherWaitersStillGetCredentials()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _issuer.Gate = gate.Task;
        using var cts = new CancellationTokenSource();
        var cancelled = Cache.GetAsync(Key(), ReadWrite, cts.Token).AsTask();
        var patient = Cache.GetAsync(Key(), ReadWrite, CancellationToken.None).AsTask();

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        gate.SetResult();

        Assert.NotNull((await patient).Credentials);
        Assert.Equal(1, _issuer.Calls);
    }

    [Fact]
    public void ScopedCredentials_ToString_RedactsSecrets()
    {
        var credentials = new ScopedCredentials("ASIAEXAMPLE", "super-secret", "session-token-value", _time.GetUtcNow(), "acme");

        var text = credentials.ToString();

        Assert.DoesNotContain("super-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("session-token-value", text, StringComparison.Ordinal);
        Assert.Contains("ASIAEXAMPLE", text, StringComparison.Ordinal);
    }

    /// <summary>Polls a condition until a bounded deadline (generous: the machine is shared with other builds).</summary>

    public void Dispose()
    {
        _refreshes.Dispose();
        _cache?.Dispose();
        _metrics.Dispose();
    }
}
