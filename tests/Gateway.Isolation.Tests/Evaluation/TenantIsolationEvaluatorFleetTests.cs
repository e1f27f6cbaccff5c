using Gateway.Isolation.Caching;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Evaluation;
using Gateway.Isolation.Memberships;
using Gateway.Isolation.Tests.Caching;
using Gateway.Isolation.Tests.Credentials;
using Gateway.Isolation.Tests.Memberships;
using Gateway.Policies;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.Evaluation;

/// <summary>
/// Several evaluators (instances of a fleet, each built by <c>AddTenantIsolation</c> from its own configuration) over one
/// simulated Redis and one issuer (= one STS): what an instance takes from the shared cache depends on how its own
/// configuration defines the permission set, not only on the set's name.
/// </summary>
public sealed class TenantIsolationEvaluatorFleetTests : IDisposable
{
    private static readonly OrganizationId Acme = OrganizationId.Parse("acme");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeMembershipStore _store = new() { Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR") };
    private readonly FakeCredentialIssuer _issuer;
    private readonly FakeOrganizationStore _organizationStore = new();
    private readonly TestMeterFactory _meters = new();
    private readonly IsolationMetrics _metrics;
    private readonly TestSharedCache _redis = new();
    private readonly List<ServiceProvider> _instances = [];

    public TenantIsolationEvaluatorFleetTests()
    {
        _issuer = new FakeCredentialIssuer(_time);
        _metrics = new IsolationMetrics(_meters);
    }

    /// <summary>An instance whose <c>read-write</c> permission set grants <paramref name="access"/> on Applications.</summary>
    private ITenantIsolationEvaluator Instance(string access, string scope = "Organization")
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TenantIsolation:CredentialScope"] = scope,
            ["TenantIsolation:RoleArn"] = "arn:aws:iam::000000000000:role/TenantDataAccess",
            ["TenantIsolation:Tables:Applications:PartitionKey"] = "organizationId",
            ["TenantIsolation:PermissionSets:read-write:Tables:Applications"] = access,
            ["TenantIsolation:PermissionSets:read-only:Tables:Applications"] = "Read",
            ["TenantIsolation:Roles:ADMINISTRATOR"] = "read-write",
            ["TenantIsolation:Roles:VIEWER"] = "read-only",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IMembershipStore>(_store);
        services.AddSingleton<IOrganizationStore>(_organizationStore);
        services.AddSingleton<ICredentialIssuer>(_issuer);
        services.AddSingleton(_redis.For(_time, _metrics));
        services.AddTenantIsolation(configuration);
        var provider = services.BuildServiceProvider();
        _instances.Add(provider);
        return provider.GetRequiredService<ITenantIsolationEvaluator>();
    }

    [Theory]
    [InlineData("Organization")]
    [InlineData("User")]
    public async Task EvaluateAsync_PermissionSetNarrowedOnOneInstance_ItMintsItsOwnCredentialsInsteadOfTheBroaderOnesInL2(string scope)
    {
        var broad = await Instance("ReadWrite", scope).DecideAsync(new TenantRequest("alice", Acme), CancellationToken.None);

        var narrowed = await Instance("Read", scope).DecideAsync(new TenantRequest("alice", Acme), CancellationToken.None);

        Assert.True(narrowed.IsAllowed);
        Assert.Equal(2, _issuer.Calls);
        Assert.NotEqual(broad.Credentials!.AccessKeyId, narrowed.Credentials!.AccessKeyId);
        Assert.Equal(2, _redis.Redis.Values.Keys.Count(k => k.StartsWith("c:acme:read-write:", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EvaluateAsync_EvictedWhileWaitingForCredentials_NotAllowedOnTheMembershipCheckedBefore(bool revoked)
    {
        // The membership check passed, then the request waits for STS (or the fleet lock). Meanwhile the row is deleted and
        // the instance confirms the eviction. When the credentials arrive the request must not be allowed on the old
        // membership (the twin: evicted but still a member → allowed after the re-check).
        var evaluator = Instance("ReadWrite", "User");
        var memberships = _instances[^1].GetRequiredService<MembershipService>();
        var credentials = _instances[^1].GetRequiredService<CredentialCache>();
        var sts = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _issuer.Gate = sts.Task;
        var request = evaluator.DecideAsync(new TenantRequest("alice", Acme), CancellationToken.None).AsTask();
        await Eventually.UntilAsync(() => _issuer.Calls == 1);

        if (revoked)
        {
            _store.Answer = Membership.NotAMember;
        }

        RemoveMembershipsFromL2("alice");
        await memberships.EvictAsync("alice", null);
        credentials.Evict("alice", null);
        RemoveMembershipsFromL2("alice");
        sts.SetResult();
        var decision = await request;

        Assert.Equal(!revoked, decision.IsAllowed);
        if (revoked)
        {
            Assert.Equal(TenantDenialCode.NotAMember, decision.Denial);
        }

        Assert.Equal(2, _store.Calls); // the re-check looked the membership up again
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EvaluateAsync_OrganizationEvictedWhileWaitingForCredentials_RecheckedAndServedWithASetMintedAfter_TwinOtherOrganizationUntouched(bool suspended)
    {
        // Two requests passed their checks and wait for STS: alice in acme, bob in globex. The runbook suspends acme and
        // evicts it (evict --organization, or revoke's own eviction), in the backplane's order. acme's request must not be
        // allowed on the record it read before (suspended → 403 organization_suspended), and when still allowed, only
        // with a set minted after the eviction (the one in flight may predate revoke's cut-off). globex's request is
        // neither re-checked nor re-minted: it is allowed with the set it waited for.
        var evaluator = Instance("ReadWrite");
        var provider = _instances[^1];
        var sts = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _issuer.Gate = sts.Task;
        var globex = OrganizationId.Parse("globex");
        var acmeRequest = evaluator.DecideAsync(new TenantRequest("alice", Acme), CancellationToken.None).AsTask();
        var globexRequest = evaluator.DecideAsync(new TenantRequest("bob", globex), CancellationToken.None).AsTask();
        await Eventually.UntilAsync(() => _issuer.Calls == 2);
        var (memberships, organizations) = (_store.Calls, _organizationStore.Calls);

        if (suspended)
        {
            _organizationStore.ByOrganization["acme"] = new OrganizationRecord(OrganizationStatus.Inactive, OrganizationDataLocation.Legacy);
        }

        // As FleetEviction does: acme's L2 entries first, then each cache of the instance in the backplane's order.
        foreach (var key in _redis.Redis.Values.Keys.Where(k => k.Contains("c:acme:", StringComparison.Ordinal) || k.EndsWith(":acme", StringComparison.Ordinal)).ToList())
        {
            _redis.Redis.Values.TryRemove(key, out _);
        }

        foreach (var cache in provider.GetServices<IUserEviction>())
        {
            await cache.EvictAsync(null, "acme");
        }

        _issuer.Gate = null;
        sts.SetResult();
        var (acme, other) = (await acmeRequest, await globexRequest);

        Assert.True(other.IsAllowed);
        Assert.Single(_issuer.Issued, i => i.Key.OrganizationId == globex);
        // acme's set in flight was overtaken: one more AssumeRole, for acme only (before the re-check refuses a suspension)
        Assert.Equal(3, _issuer.Calls);
        Assert.Equal(Acme, _issuer.Issued.Last().Key.OrganizationId);
        Assert.Equal(suspended, !acme.IsAllowed);
        if (suspended)
        {
            Assert.Equal(TenantDenialCode.OrganizationSuspended, acme.Denial);
        }
        else
        {
            Assert.Equal("ASIA0000000000000003", acme.Credentials!.AccessKeyId);
        }

        // acme was checked again (its record and alice's membership read afresh); globex was not.
        Assert.Equal(memberships + 1, _store.Calls);
        Assert.Equal(organizations + 1, _organizationStore.Calls);
    }

    private void RemoveMembershipsFromL2(string user)
    {
        foreach (var key in _redis.Redis.Values.Keys.Where(k => k.Contains($"{SharedCacheKeys.MembershipPrefix}{user}:", StringComparison.Ordinal)).ToList())
        {
            _redis.Redis.Values.TryRemove(key, out _);
        }
    }

    [Fact]
    public async Task EvaluateAsync_SameDefinitionOnAnotherInstance_TakesTheCredentialsFromL2()
    {
        // The twin: an instance that defines read-write the same way is served from L2 (one AssumeRole for the fleet).
        var first = await Instance("ReadWrite").DecideAsync(new TenantRequest("alice", Acme), CancellationToken.None);

        var second = await Instance("ReadWrite").DecideAsync(new TenantRequest("alice", Acme), CancellationToken.None);

        Assert.Equal(1, _issuer.Calls);
        Assert.Equal(first.Credentials!.AccessKeyId, second.Credentials!.AccessKeyId);
    }

    [Fact]
    public async Task EvaluateAsync_OtherPermissionSetOfTheOrganizationOnAnotherInstance_NotServedFromL2()
    {
        // Behaviour, not key format: a VIEWER on instance B must not be handed the read-write session instance A put in L2.
        var admin = await Instance("ReadWrite").DecideAsync(new TenantRequest("alice", Acme), CancellationToken.None);
        _store.Answer = new Membership(MembershipStatus.Member, "VIEWER");

        var viewer = await Instance("ReadWrite").DecideAsync(new TenantRequest("carol", Acme), CancellationToken.None);

        Assert.Equal("read-only", viewer.PermissionSet);
        Assert.Equal(2, _issuer.Calls);
        Assert.Equal("read-only", _issuer.Issued.Last().PermissionSet);
        Assert.NotEqual(admin.Credentials!.AccessKeyId, viewer.Credentials!.AccessKeyId);
    }

    [Fact]
    public async Task EvaluateAsync_PermissionSetWidenedOnOneInstance_ItDoesNotServeTheNarrowerCredentialsEither()
    {
        var narrow = await Instance("Read").DecideAsync(new TenantRequest("alice", Acme), CancellationToken.None);

        var wide = await Instance("ReadWrite").DecideAsync(new TenantRequest("alice", Acme), CancellationToken.None);

        Assert.Equal(2, _issuer.Calls);
        Assert.NotEqual(narrow.Credentials!.AccessKeyId, wide.Credentials!.AccessKeyId);
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
