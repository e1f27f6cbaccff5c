using Amazon.Runtime;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Permissions;
using Gateway.Isolation.Revocations;
using Gateway.Isolation.Tests.Caching;
using Gateway.Isolation.Tests.Credentials;
using Gateway.Policies;
using Gateway.Policies.Revocations;
using Gateway.Policies.SessionPolicies;
using Gateway.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.Revocations;

/// <summary>
/// The gateway's own watch over <c>tenant-revocations</c>: the credential cache refuses the sets it requested before a cut-off
/// (plus the clock skew) for the revoked scope, keeps everything else, overtakes loads under way and keeps serving when IAM
/// cannot be read. The Deny itself is IAM's (end to end: RevocationWatchEndToEndTests); here the cache's behaviour, with a
/// fake clock and a fake IAM reader.
/// </summary>
public sealed class RevocationWatcherTests : IDisposable
{
    private static readonly PermissionSet ReadWrite = new() { Name = "read-write", Tables = [new TableAccess { TableName = "Applications", PartitionKey = "organizationId", Read = true, Write = true }] };
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeCredentialIssuer _issuer;
    private readonly TestMeterFactory _meters = new();
    private readonly IsolationMetrics _metrics;
    private readonly MetricCollector<long> _revoked;
    private readonly MetricCollector<long> _reads;
    private readonly TenantIsolationOptions _options = TestOptions.Valid();
    private readonly FakeReader _reader = new();
    private readonly TestSharedCache _redis = new();
    private readonly List<IDisposable> _disposables = [];

    public RevocationWatcherTests()
    {
        _issuer = new FakeCredentialIssuer(_time);
        _metrics = new IsolationMetrics(_meters);
        _revoked = new MetricCollector<long>(_meters.Meters.Single(), "gateway.credentials.revoked");
        _reads = new MetricCollector<long>(_meters.Meters.Single(), "gateway.revocations.reads");
        _options.Revocations.ClockSkew = Skew;
    }

    private static CredentialKey Key(string org = "acme", string? user = null) => new(OrganizationId.Parse(org), "read-write", user, "0123456789abcdef");

    private (CredentialCache Cache, RevocationWatcher Watcher) Gateway(bool fleet = false)
    {
        var options = TestOptions.Wrap(_options);
        var cutoffs = new RevocationCutoffs(options);
        var cache = new CredentialCache(_issuer, options, _time, _metrics, NullLogger<CredentialCache>.Instance, fleet ? _redis.For(_time, _metrics) : null, revocations: cutoffs);
        var catalog = new PermissionSetCatalog(_options);
        var watcher = new RevocationWatcher(_reader, cutoffs, cache, catalog, options, _time, _metrics, NullLogger<RevocationWatcher>.Instance);
        _disposables.Add(cache);
        _disposables.Add(catalog);
        _disposables.Add(watcher);
        return (cache, watcher);
    }

    /// <summary>What revoke writes: the organization's sessions (or those of <paramref name="sourceIdentities"/>) issued before now.</summary>
    private void Revoke(string organization, params string[] sourceIdentities)
        => _reader.Documents["TenantDataAccess"] = (_reader.Documents.TryGetValue("TenantDataAccess", out var json) && json is not null ? TenantRevocations.Parse(json) : TenantRevocations.Empty)
            .Add(new Revocation(OrganizationId.Parse(organization), _time.GetUtcNow(), sourceIdentities.Length == 0 ? null : sourceIdentities))
            .ToDocument()!.ToJson();

    private static async Task<ScopedCredentials> Get(CredentialCache cache, CredentialKey key)
        => (await cache.GetAsync(key, ReadWrite, CancellationToken.None)).Credentials!;

    [Fact]
    public async Task SetRequestedBeforeTheCutoff_DroppedAndReMinted_AnotherOrganizationsKept()
    {
        var (cache, watcher) = Gateway();
        var acmeBefore = await Get(cache, Key("acme"));
        var globexBefore = await Get(cache, Key("globex"));
        _time.Advance(TimeSpan.FromMinutes(1));

        Revoke("acme");
        await watcher.PollOnceAsync(CancellationToken.None);
        _time.Advance(Skew + TimeSpan.FromSeconds(1));

        var acmeAfter = await Get(cache, Key("acme"));
        Assert.NotEqual(acmeBefore.AccessKeyId, acmeAfter.AccessKeyId);
        Assert.True(acmeAfter.RequestedAt > _time.GetUtcNow() - TimeSpan.FromSeconds(1));
        Assert.Same(globexBefore, await Get(cache, Key("globex"))); // the twin: another organization's set is kept
        Assert.Equal(3, _issuer.Calls);
        Assert.Same(acmeAfter, await Get(cache, Key("acme"))); // the new set is issued after the cut-off: kept from now on
        Assert.Equal(3, _issuer.Calls);
        Assert.Equal(1, _revoked.GetMeasurementSnapshot().Where(m => (string?)m.Tags["tier"] == "l1").Sum(m => m.Value));
    }

    [Fact]
    public async Task SetRequestedAfterTheCutoffAndSkew_Kept()
    {
        var (cache, watcher) = Gateway();
        Revoke("acme");
        await watcher.PollOnceAsync(CancellationToken.None);
        _time.Advance(Skew + TimeSpan.FromSeconds(1));
        var after = await Get(cache, Key("acme"));

        _time.Advance(TimeSpan.FromMinutes(1));
        await watcher.PollOnceAsync(CancellationToken.None); // the same revocation read again: nothing new

        Assert.Same(after, await Get(cache, Key("acme")));
        Assert.Equal(1, _issuer.Calls);
    }

    [Fact]
    public async Task FirstLoadOfAFreshlyRevokedScope_WaitsOutTheClockSkew_ThenKept()
    {
        // Requested at the cut-off itself, a set could carry an STS issue time a second or two before it (clock skew): the
        // load waits until cut-off + ClockSkew, so what it hands out is issued after the cut-off.
        var (cache, watcher) = Gateway();
        Revoke("acme");
        await watcher.PollOnceAsync(CancellationToken.None);

        var load = cache.GetAsync(Key("acme"), ReadWrite, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(load.IsCompleted);
        Assert.Equal(0, _issuer.Calls);

        _time.Advance(Skew);
        var credentials = (await load.WaitAsync(TimeSpan.FromSeconds(10))).Credentials!;
        Assert.Equal(1, _issuer.Calls);
        Assert.Same(credentials, await Get(cache, Key("acme")));
        Assert.Equal(1, _issuer.Calls);
    }

    [Fact]
    public async Task UserRevocation_UsersSetReMinted_AnotherUsersKept_SharedSetKept()
    {
        // CredentialScope=User: revoke --user alice writes alice's SourceIdentity only.
        var (cache, watcher) = Gateway();
        var alice = await Get(cache, Key("acme", "alice"));
        var bob = await Get(cache, Key("acme", "bob"));
        var shared = await Get(cache, Key("acme"));
        _time.Advance(TimeSpan.FromMinutes(1));

        Revoke("acme", SessionNames.SourceIdentity("alice"));
        await watcher.PollOnceAsync(CancellationToken.None);
        _time.Advance(Skew + TimeSpan.FromSeconds(1));

        Assert.NotEqual(alice.AccessKeyId, (await Get(cache, Key("acme", "alice"))).AccessKeyId);
        Assert.Same(bob, await Get(cache, Key("acme", "bob")));
        Assert.Same(shared, await Get(cache, Key("acme")));
        Assert.Equal(4, _issuer.Calls);
    }

    [Fact]
    public async Task UserRevocationUnderOrganizationScope_CoversTheSharedSet()
    {
        // CredentialScope=Organization: revoke --user alice also denies the shared sessions alice held (SourceIdentity
        // tenant-gateway), as IAM does; another organization's shared set is untouched.
        var (cache, watcher) = Gateway();
        var shared = await Get(cache, Key("acme"));
        var globex = await Get(cache, Key("globex"));
        _time.Advance(TimeSpan.FromMinutes(1));

        Revoke("acme", SessionNames.SourceIdentity("alice"), _options.SourceIdentity);
        await watcher.PollOnceAsync(CancellationToken.None);
        _time.Advance(Skew + TimeSpan.FromSeconds(1));

        Assert.NotEqual(shared.AccessKeyId, (await Get(cache, Key("acme"))).AccessKeyId);
        Assert.Same(globex, await Get(cache, Key("globex")));
        Assert.Equal(3, _issuer.Calls);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AssumeRoleInFlightWhenACutoffIsSeen_NotHandedOut(bool revoked)
    {
        var (cache, watcher) = Gateway();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _issuer.Gate = gate.Task;
        var load = cache.GetAsync(Key("acme"), ReadWrite, CancellationToken.None).AsTask();
        await Eventually.UntilAsync(() => _issuer.Calls == 1);

        _time.Advance(TimeSpan.FromSeconds(1));
        if (revoked)
        {
            Revoke("acme");
        }

        await watcher.PollOnceAsync(CancellationToken.None);
        _time.Advance(Skew + TimeSpan.FromSeconds(1));
        gate.SetResult();

        var credentials = (await load.WaitAsync(TimeSpan.FromSeconds(10))).Credentials!;
        // Revoked: the set requested before the cut-off is overtaken, the caller gets the second one (requested after).
        Assert.Equal(revoked ? 2 : 1, _issuer.Calls);
        Assert.Equal(revoked ? "ASIA0000000000000002" : "ASIA0000000000000001", credentials.AccessKeyId);
        Assert.Same(credentials, await Get(cache, Key("acme")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task L2SetRequestedBeforeTheCutoff_NotTakenFromTheFleet(bool revokedAfterItWasMinted)
    {
        // Instance a minted the set into L2; instance b (which read the revocation) finds it there.
        var (a, _) = Gateway(fleet: true);
        var (b, watcher) = Gateway(fleet: true);
        if (!revokedAfterItWasMinted)
        {
            Revoke("acme");
            _time.Advance(Skew + TimeSpan.FromSeconds(1));
        }

        var minted = await Get(a, Key("acme"));
        _time.Advance(TimeSpan.FromMinutes(1));
        if (revokedAfterItWasMinted)
        {
            Revoke("acme");
        }

        await watcher.PollOnceAsync(CancellationToken.None);
        _time.Advance(Skew + TimeSpan.FromSeconds(1));

        var fromB = await Get(b, Key("acme"));
        Assert.Equal(revokedAfterItWasMinted, fromB.AccessKeyId != minted.AccessKeyId);
        Assert.Equal(revokedAfterItWasMinted ? 2 : 1, _issuer.Calls);
        // Counted per L2 read that found it (before and again under the fleet lock).
        Assert.Equal(revokedAfterItWasMinted, _revoked.GetMeasurementSnapshot().Where(m => (string?)m.Tags["tier"] == "l2").Sum(m => m.Value) > 0);
    }

    [Fact]
    public async Task IamReadRefused_KeepsServing_LastCutoffsStay_ReadinessDegradedNamingTheAction()
    {
        var (cache, watcher) = Gateway();
        var health = new RevocationHealthCheck(watcher, _time);
        var acme = await Get(cache, Key("acme"));
        var globex = await Get(cache, Key("globex"));
        _time.Advance(TimeSpan.FromMinutes(1));
        Revoke("globex");
        await watcher.PollOnceAsync(CancellationToken.None);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(null!)).Status); // the twin: readable

        _reader.Failure = new AmazonServiceException("IAM GetRolePolicy failed (403).") { ErrorCode = "AccessDenied" };
        _time.Advance(TimeSpan.FromSeconds(10));
        await watcher.PollOnceAsync(CancellationToken.None);

        // Neither fail-open nor fail-closed on the gateway's side: acme's set is served as before (IAM decides), and
        // globex's cut-off read before the failure still stands.
        Assert.Same(acme, await Get(cache, Key("acme")));
        Assert.NotEqual(globex.AccessKeyId, (await Get(cache, Key("globex"))).AccessKeyId);
        var result = await health.CheckHealthAsync(null!);
        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("iam:GetRolePolicy", result.Description, StringComparison.Ordinal);
        Assert.Contains("TenantDataAccess", result.Description, StringComparison.Ordinal);
        Assert.Equal(1, _reads.GetMeasurementSnapshot().Where(m => (string?)m.Tags["result"] == "access_denied").Sum(m => m.Value));

        _reader.Failure = null;
        await watcher.PollOnceAsync(CancellationToken.None);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(null!)).Status);
    }

    [Fact]
    public async Task IamUnreachable_KeepsServing_ReadinessDegradedOnlyAfterThreeIntervals()
    {
        var (cache, watcher) = Gateway();
        var health = new RevocationHealthCheck(watcher, _time);
        var acme = await Get(cache, Key("acme"));
        _reader.Failure = new HttpRequestException("Connection refused");
        await watcher.PollOnceAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(null!)).Status); // a blip: not yet
        _time.Advance(watcher.PollInterval * 3);
        await watcher.PollOnceAsync(CancellationToken.None);

        var result = await health.CheckHealthAsync(null!);
        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("HttpRequestException", result.Description, StringComparison.Ordinal);
        Assert.Same(acme, await Get(cache, Key("acme")));
        Assert.Equal(2, _reads.GetMeasurementSnapshot().Where(m => (string?)m.Tags["result"] == "failed").Sum(m => m.Value));
    }

    [Fact]
    public async Task ForeignStatement_Ignored_TheRevocationsBesideItApplied()
    {
        var (cache, watcher) = Gateway();
        var acme = await Get(cache, Key("acme"));
        var globex = await Get(cache, Key("globex"));
        _time.Advance(TimeSpan.FromMinutes(1));
        Revoke("acme");
        var json = _reader.Documents["TenantDataAccess"]!;
        _reader.Documents["TenantDataAccess"] = json.Replace("\"Statement\":[", "\"Statement\":[{\"Sid\":\"HandWritten\",\"Effect\":\"Deny\",\"Action\":\"dynamodb:Scan\",\"Resource\":\"*\"},", StringComparison.Ordinal);

        await watcher.PollOnceAsync(CancellationToken.None);
        _time.Advance(Skew + TimeSpan.FromSeconds(1));

        Assert.NotEqual(acme.AccessKeyId, (await Get(cache, Key("acme"))).AccessKeyId);
        Assert.Same(globex, await Get(cache, Key("globex")));
        Assert.Null(watcher.Current.Failure);
    }

    public void Dispose()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }

        _redis.Dispose();
        _meters.Dispose();
    }

    private sealed class FakeReader : IRolePolicyReader
    {
        public Dictionary<string, string?> Documents { get; } = new(StringComparer.Ordinal);

        public Exception? Failure { get; set; }

        public string Endpoint => "IAM at http://fake/";

        public Task<string?> GetRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken)
        {
            Assert.Equal(TenantRevocations.PolicyName, policyName);
            return Failure is { } failure
                ? Task.FromException<string?>(failure)
                : Task.FromResult(Documents.TryGetValue(roleName, out var json) ? json : null);
        }
    }
}
