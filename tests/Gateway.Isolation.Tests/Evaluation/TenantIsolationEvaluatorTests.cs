using System.Diagnostics;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Evaluation;
using Gateway.Isolation.Memberships;
using Gateway.Isolation.Tests.Credentials;
using Gateway.Isolation.Tests.Memberships;
using Gateway.Policies;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.Evaluation;

/// <summary>
/// The evaluator without a web host: <c>AddTenantIsolation</c> on a plain service collection, the real
/// <see cref="MembershipService"/> and <see cref="CredentialCache"/> over a fake store and a fake issuer. Every denial
/// has its allow twin: the same call with the right answer from the store is allowed.
/// </summary>
public sealed class TenantIsolationEvaluatorTests : IDisposable
{
    private static readonly OrganizationId Acme = OrganizationId.Parse("acme");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeMembershipStore _store = new();
    private readonly FakeOrganizationStore _organizations = new();
    private readonly FakeCredentialIssuer _issuer;
    private readonly ServiceProvider _services;

    public TenantIsolationEvaluatorTests()
        : this(scope: null)
    {
    }

    private TenantIsolationEvaluatorTests(string? scope, IReadOnlyDictionary<string, string?>? extra = null)
    {
        _issuer = new FakeCredentialIssuer(_time);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(extra ?? new Dictionary<string, string?>()).AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TenantIsolation:CredentialScope"] = scope ?? "Organization",
            ["TenantIsolation:RoleArn"] = "arn:aws:iam::000000000000:role/TenantDataAccess",
            ["TenantIsolation:Membership:NegativeTtl"] = "00:00:00",
            ["TenantIsolation:Membership:RetryAfter"] = "00:00:02",
            ["TenantIsolation:Tables:Applications:PartitionKey"] = "organizationId",
            ["TenantIsolation:PermissionSets:read-write:Tables:Applications"] = "ReadWrite",
            ["TenantIsolation:PermissionSets:read-only:Tables:Applications"] = "Read",
            ["TenantIsolation:Roles:ADMINISTRATOR"] = "read-write",
            ["TenantIsolation:Roles:VIEWER"] = "read-only",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IMembershipStore>(_store);
        services.AddSingleton<IOrganizationStore>(_organizations);
        services.AddSingleton<ICredentialIssuer>(_issuer);
        services.AddTenantIsolation(configuration);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>Rate limits on: <c>small</c> (burst 2, one token per 1,000 s) and <c>single</c> (one request in flight).</summary>
    private static readonly Dictionary<string, string?> RateLimited = new()
    {
        ["TenantIsolation:RateLimits:Enabled"] = "true",
        ["TenantIsolation:RateLimits:Tiers:default:RequestsPerSecond"] = "1000",
        ["TenantIsolation:RateLimits:Tiers:small:RequestsPerSecond"] = "0.001",
        ["TenantIsolation:RateLimits:Tiers:small:Burst"] = "2",
        ["TenantIsolation:RateLimits:Tiers:single:ConcurrentRequests"] = "1",
    };

    private ITenantIsolationEvaluator Evaluator => _services.GetRequiredService<ITenantIsolationEvaluator>();

    private ValueTask<TenantIsolationDecision> EvaluateAsync() => Evaluator.DecideAsync(new TenantRequest("alice", Acme), CancellationToken.None);

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task EvaluateAsync_MemberWithMappedRole_AllowedWithScopedCredentials()
    {
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");

        var decision = await EvaluateAsync();

        Assert.True(decision.IsAllowed);
        Assert.Equal(TenantDenialCode.None, decision.Denial);
        Assert.Equal(("acme", "alice", "ADMINISTRATOR", "read-write"), (decision.OrganizationId.Value, decision.UserId, decision.Role, decision.PermissionSet));
        Assert.Equal("acme-session", decision.SessionName);
        Assert.Equal(decision.Credentials.SessionName, decision.SessionName);
        Assert.Null(decision.RetryAfter);
        Assert.DoesNotContain(decision.Credentials.SecretAccessKey, decision.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvaluateAsync_TwoPermissionSetsInOneOrganization_SeparateCredentials()
    {
        // The credential cache key carries the permission set: a VIEWER must never be handed the ADMINISTRATOR's
        // (read-write) session of the same organization.
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        var admin = await Evaluator.DecideAsync(new TenantRequest("alice", Acme), CancellationToken.None);
        _store.Answer = new Membership(MembershipStatus.Member, "VIEWER");
        var viewer = await Evaluator.DecideAsync(new TenantRequest("carol", Acme), CancellationToken.None);

        Assert.Equal(("read-write", "read-only"), (admin.PermissionSet, viewer.PermissionSet));
        Assert.NotEqual(admin.Credentials!.AccessKeyId, viewer.Credentials!.AccessKeyId);
        Assert.Equal([(Acme, "read-write", (string?)null, "read-write"), (Acme, "read-only", null, "read-only")], _issuer.Issued.Select(i => (i.Key.OrganizationId, i.Key.PermissionSet, i.Key.UserId, i.PermissionSet)));
        Assert.NotEqual(_issuer.Issued.First().Key.PolicyDigest, _issuer.Issued.Last().Key.PolicyDigest);
    }

    [Theory]
    [InlineData("Organization", 1)]
    [InlineData("User", 2)]
    public async Task EvaluateAsync_CredentialScope_OneSessionPerOrganizationOrPerUser(string scope, int sessions)
    {
        using var tests = new TenantIsolationEvaluatorTests(scope);
        tests._store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");

        var alice = await tests.Evaluator.DecideAsync(new TenantRequest("alice", Acme), CancellationToken.None);
        var bob = await tests.Evaluator.DecideAsync(new TenantRequest("bob", Acme), CancellationToken.None);

        Assert.Equal(sessions, tests._issuer.Calls);
        Assert.Equal(sessions == 1, alice.Credentials!.AccessKeyId == bob.Credentials!.AccessKeyId);
        string?[] expectedUsers = scope == "User" ? ["alice", "bob"] : [null];
        Assert.Equal(expectedUsers, tests._issuer.Issued.Select(i => i.Key.UserId));
    }

    [Fact]
    public async Task CredentialsRejectedAsync_TheEnginesAllow_DropsThatSet_NextDecisionHasANewOne()
    {
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        var served = await EvaluateAsync();

        var outcome = await Evaluator.CredentialsRejectedAsync(served, CancellationToken.None);
        var next = await EvaluateAsync();

        Assert.Equal(CredentialRejectionOutcome.Dropped, outcome);
        Assert.NotEqual(served.Credentials!.AccessKeyId, next.Credentials!.AccessKeyId);
        Assert.Equal(2, _issuer.Calls);
    }

    [Fact]
    public async Task CredentialsRejectedAsync_NotTheEnginesAllow_NothingDropped()
    {
        // A decision the engine did not allow with credentials (a denial, a legacy routing, one built by hand naming acme and
        // the cached set) drops nothing: a report is only ever about the set the engine handed to that request. Twin above.
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        var served = await EvaluateAsync();
        var handMade = TenantIsolationDecision.Allow(Acme, "alice", "ADMINISTRATOR", "read-write", served.Credentials!);

        Assert.Equal(CredentialRejectionOutcome.NotApplicable, await Evaluator.CredentialsRejectedAsync(handMade, CancellationToken.None));
        Assert.Equal(CredentialRejectionOutcome.NotApplicable, await Evaluator.CredentialsRejectedAsync(TenantIsolationDecision.Deny(Acme, "alice", TenantDenialCode.NotAMember, "not_a_member"), CancellationToken.None));
        Assert.Equal(CredentialRejectionOutcome.NotApplicable, await Evaluator.CredentialsRejectedAsync(TenantIsolationDecision.Legacy(Acme, "alice", "ADMINISTRATOR", "legacy"), CancellationToken.None));

        Assert.Equal(served.Credentials!.AccessKeyId, (await EvaluateAsync()).Credentials!.AccessKeyId);
        Assert.Equal(1, _issuer.Calls);
    }

    [Fact]
    public async Task EvaluateAsync_NotAMember_DeniedThenTwinAllowed()
    {
        _store.Answer = Membership.NotAMember;

        var denied = await EvaluateAsync();

        Assert.Equal((TenantDenialCode.NotAMember, "not_a_member"), (denied.Denial, denied.Reason));
        Assert.Null(denied.Credentials);
        Assert.Equal(0, _issuer.Calls);

        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        Assert.True((await EvaluateAsync()).IsAllowed); // negative answers are not cached here (NegativeTtl 0)
    }

    [Theory]
    [InlineData("Inactive", TenantDenialCode.OrganizationSuspended, "organization_suspended")]
    [InlineData("Unknown", TenantDenialCode.UnknownOrganization, "unknown_organization")]
    [InlineData("Migrating", TenantDenialCode.OrganizationMigrating, "organization_migrating")]
    public async Task EvaluateAsync_MemberOfAnOrganizationThatIsNotActive_DeniedThenActiveTwinAllowedWithinStatusTtl(string organization, TenantDenialCode expected, string reason)
    {
        var status = Enum.Parse<OrganizationStatus>(organization);
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        _organizations.Answer = new OrganizationRecord(status, OrganizationDataLocation.Legacy);

        var denied = await EvaluateAsync();

        Assert.Equal((expected, reason), (denied.Denial, denied.Reason));
        Assert.Null(denied.Credentials);
        Assert.Equal(0, _issuer.Calls);

        // The twin: the organization becomes ACTIVE; its record is cached for StatusTtl (2 s), the membership stays cached.
        _organizations.Answer = FakeOrganizationStore.Active;
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.True((await EvaluateAsync()).IsAllowed);
        Assert.Equal(1, _store.Calls);
    }

    [Fact]
    public async Task EvaluateAsync_NonMemberOfASuspendedOrUnknownOrganization_NotAMemberTheOrganizationStaysUndisclosed()
    {
        _store.Answer = Membership.NotAMember;
        _organizations.Answer = new OrganizationRecord(OrganizationStatus.Inactive, OrganizationDataLocation.Legacy);
        Assert.Equal(TenantDenialCode.NotAMember, (await EvaluateAsync()).Denial);

        // The twin: a member of the same organization learns it is suspended.
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        Assert.Equal(TenantDenialCode.OrganizationSuspended, (await EvaluateAsync()).Denial);
    }

    [Fact]
    public async Task EvaluateAsync_OrganizationSuspendedWhileTheMembershipIsCached_DeniedWithinStatusTtlNotPositiveTtl()
    {
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        Assert.True((await EvaluateAsync()).IsAllowed);
        _organizations.Answer = new OrganizationRecord(OrganizationStatus.Inactive, OrganizationDataLocation.Legacy);

        Assert.True((await EvaluateAsync()).IsAllowed); // the twin: inside StatusTtl the cached record still admits
        _time.Advance(TimeSpan.FromSeconds(2));
        var denied = await EvaluateAsync();

        Assert.Equal(TenantDenialCode.OrganizationSuspended, denied.Denial);
        Assert.Equal(1, _store.Calls); // the membership answer (PositiveTtl 30 s) was not looked up again
        Assert.Equal(2, _organizations.Calls);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("legacy-applications")]
    public async Task EvaluateAsync_OrganizationItemIsReadOncePerRequestAndCachedForStatusTtl(string? legacyCluster)
    {
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");

        var first = await Evaluator.DecideAsync(new TenantRequest("alice", Acme, legacyCluster), CancellationToken.None);
        Assert.Equal(1, _organizations.Calls);
        await Evaluator.DecideAsync(new TenantRequest("bob", Acme, legacyCluster), CancellationToken.None);
        Assert.Equal(1, _organizations.Calls); // another user of the same organization: the cached record
        _time.Advance(TimeSpan.FromSeconds(2));
        await Evaluator.DecideAsync(new TenantRequest("alice", Acme, legacyCluster), CancellationToken.None);

        Assert.Equal(legacyCluster is null ? TenantOutcome.Allowed : TenantOutcome.Legacy, first.Outcome);
        Assert.Equal(2, _organizations.Calls);
    }

    [Fact]
    public async Task EvaluateAsync_OrganizationStoreUnavailable_DeniedMembershipUnavailableThenTwinAllowed()
    {
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        _organizations.Fail = true;

        var denied = await EvaluateAsync();

        Assert.Equal(TenantDenialCode.MembershipUnavailable, denied.Denial);
        Assert.Equal(TimeSpan.FromSeconds(2), denied.RetryAfter);
        _organizations.Fail = false;
        Assert.True((await EvaluateAsync()).IsAllowed); // the failure was not cached
    }

    [Fact]
    public async Task EvaluateAsync_RoleNotMapped_DeniedRoleNotMappedThenMappedTwinAllowed()
    {
        _store.Answer = new Membership(MembershipStatus.Member, "AUDITOR");

        var denied = await EvaluateAsync();

        Assert.Equal((TenantDenialCode.RoleNotMapped, "role_not_mapped"), (denied.Denial, denied.Reason));
        Assert.Equal(0, _issuer.Calls);

        // alice's membership answer is cached (PositiveTtl): the twin is another member whose role is mapped.
        _store.Answer = new Membership(MembershipStatus.Member, "VIEWER");
        var allowed = await Evaluator.DecideAsync(new TenantRequest("victor", Acme), CancellationToken.None);
        Assert.True(allowed.IsAllowed);
        Assert.Equal("read-only", allowed.PermissionSet);
    }

    [Fact]
    public async Task EvaluateAsync_MembershipStoreUnavailable_DeniedWithRetryAfterThenTwinAllowed()
    {
        _store.Fail = true;

        var denied = await EvaluateAsync();

        Assert.Equal(TenantDenialCode.MembershipUnavailable, denied.Denial);
        Assert.Equal(TimeSpan.FromSeconds(2), denied.RetryAfter);
        Assert.Contains("membership lookup failed", denied.Reason, StringComparison.Ordinal);

        _store.Fail = false;
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        Assert.True((await EvaluateAsync()).IsAllowed); // the failure was not cached
    }

    [Fact]
    public async Task EvaluateAsync_StsFails_DeniedCredentialsUnavailableThenTwinAllowed()
    {
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        _issuer.FailWith = new HttpRequestException("sts down");

        var denied = await EvaluateAsync();

        Assert.Equal((TenantDenialCode.CredentialsUnavailable, "sts_unavailable"), (denied.Denial, denied.Reason));
        Assert.Equal(TimeSpan.FromSeconds(5), denied.RetryAfter);

        _issuer.FailWith = null;
        Assert.True((await EvaluateAsync()).IsAllowed);
    }

    [Fact]
    public async Task EvaluateAsync_OneSpanPerEvaluation_TaggedWithTheDecision()
    {
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = Listen(spans);

        using (var test = new Activity("test").Start())
        {
            await EvaluateAsync();
            await EvaluateAsync();
        }

        // Listeners are process-wide: keep the spans of this test's trace only.
        var mine = spans.Where(s => s.Parent?.OperationName == "test" || s.Parent?.Parent?.OperationName == "test").ToList();
        var evaluations = mine.Where(s => s.OperationName == IsolationTelemetry.EvaluateSpan).ToList();
        Assert.Equal(2, evaluations.Count);
        Assert.All(evaluations, e => Assert.Equal("allow", e.GetTagItem("tenant_isolation.decision")));
        Assert.All(evaluations, e => Assert.Equal("ok", e.GetTagItem(IsolationTelemetry.OutcomeTag)));
        Assert.All(evaluations, e => Assert.Equal("acme", e.GetTagItem(IsolationTelemetry.OrganizationTag)));

        // Each evaluation: a membership span and a credentials span as children, the first a cache miss, the second a hit.
        var credentials = evaluations.Select(e => Assert.Single(mine, s => s.ParentSpanId == e.SpanId && s.OperationName == IsolationTelemetry.CredentialsSpan)).ToList();
        var memberships = evaluations.Select(e => Assert.Single(mine, s => s.ParentSpanId == e.SpanId && s.OperationName == IsolationTelemetry.MembershipSpan)).ToList();
        Assert.Equal(["miss", "hit"], memberships.Select(m => m.GetTagItem(IsolationTelemetry.CacheTag)));
        Assert.All(memberships, m => Assert.Equal("member", m.GetTagItem(IsolationTelemetry.OutcomeTag)));
        Assert.Equal(["miss", "hit"], credentials.Select(c => c.GetTagItem(IsolationTelemetry.CacheTag)));
        Assert.All(credentials, c => Assert.Equal("read-write", c.GetTagItem(IsolationTelemetry.PermissionSetTag)));
    }

    [Fact]
    public async Task EvaluateAsync_NotAMember_SpanOutcomeIsTheReason_NoCredentialsSpan()
    {
        _store.Answer = Membership.NotAMember;
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = Listen(spans);

        using (new Activity("test-deny").Start())
        {
            Assert.False((await EvaluateAsync()).IsAllowed);
        }

        var evaluation = Assert.Single(spans, s => s.OperationName == IsolationTelemetry.EvaluateSpan && s.Parent?.OperationName == "test-deny");
        Assert.Equal("not_a_member", evaluation.GetTagItem(IsolationTelemetry.OutcomeTag));
        Assert.DoesNotContain(spans, s => s.ParentSpanId == evaluation.SpanId && s.OperationName == IsolationTelemetry.CredentialsSpan);
    }

    /// <summary>Records every stopped <c>gateway.isolation</c> span (listeners are process-wide: other tests' spans arrive too).</summary>
    private static ActivityListener Listen(System.Collections.Concurrent.ConcurrentQueue<Activity> spans)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == IsolationTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("legacy-applications")]
    public async Task EvaluateAsync_RateLimits_NonMembersRequestsNeverSpendTheOrganizationsBudget(string? legacyCluster)
    {
        // Limits apply after the membership decision: mallory (no membership item) is refused not_a_member however often
        // she asks, and acme's members still have their whole burst (failed before on a limiter asked first: mallory's first
        // two requests took acme's burst, her third was "rate limited" and alice got 429s).
        using var tests = new TenantIsolationEvaluatorTests(scope: null, RateLimited);
        tests._organizations.Answer = new OrganizationRecord(OrganizationStatus.Active, OrganizationDataLocation.Legacy, "small");
        tests._store.Answer = Membership.NotAMember;
        for (var i = 0; i < 5; i++)
        {
            var mallory = await tests.Evaluator.DecideAsync(new TenantRequest("mallory", Acme, legacyCluster), CancellationToken.None);
            Assert.Equal(TenantDenialCode.NotAMember, mallory.Denial); // deny: never organization_rate_limited
            Assert.Null(mallory.RateLimit);
        }

        tests._store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        var first = await tests.Evaluator.DecideAsync(new TenantRequest("alice", Acme, legacyCluster), CancellationToken.None);
        var second = await tests.Evaluator.DecideAsync(new TenantRequest("alice", Acme, legacyCluster), CancellationToken.None);
        var third = await tests.Evaluator.DecideAsync(new TenantRequest("alice", Acme, legacyCluster), CancellationToken.None);

        Assert.Equal(TenantDenialCode.None, first.Denial); // allow: the burst is whole
        Assert.Equal(1, first.RateLimit!.Remaining);
        Assert.Equal(TenantDenialCode.None, second.Denial);
        Assert.Equal(TenantDenialCode.OrganizationRateLimited, third.Denial); // the limit is live: a member's third is refused
        Assert.Equal(0, third.RateLimit!.Remaining);
    }

    [Fact]
    public async Task EvaluateAsync_ConcurrencyLimit_SlotHeldByTheAllowedDecision_GivenBackWhenCredentialsAreUnavailable()
    {
        using var tests = new TenantIsolationEvaluatorTests(scope: null, RateLimited);
        tests._organizations.Answer = new OrganizationRecord(OrganizationStatus.Active, OrganizationDataLocation.Legacy, "single");
        tests._store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");

        tests._issuer.FailWith = new InvalidOperationException("STS down");
        var unavailable = await tests.EvaluateAsync();
        tests._issuer.FailWith = null;
        var allowed = await tests.EvaluateAsync();
        var whileInFlight = await tests.EvaluateAsync();
        allowed.ConcurrencyLease!.Dispose();
        var afterwards = await tests.EvaluateAsync();

        Assert.Equal(TenantDenialCode.CredentialsUnavailable, unavailable.Denial);
        Assert.Null(unavailable.ConcurrencyLease); // its slot went back with the 503 (failed before: kept for ever, every later request 429)
        Assert.True(allowed.IsAllowed); // allow: the slot is free
        Assert.Equal(TenantDenialCode.OrganizationRateLimited, whileInFlight.Denial); // deny: the allowed decision holds the one slot
        Assert.Equal("concurrency_limited", whileInFlight.Reason);
        Assert.True(afterwards.IsAllowed);
        afterwards.ConcurrencyLease!.Dispose();
    }

    [Fact]
    public async Task EvaluateAsync_ConcurrencyLimit_RequestCancelledWhileCredentialsAreAwaited_SlotGivenBack()
    {
        using var tests = new TenantIsolationEvaluatorTests(scope: null, RateLimited);
        tests._organizations.Answer = new OrganizationRecord(OrganizationStatus.Active, OrganizationDataLocation.Legacy, "single");
        tests._store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        var gate = new TaskCompletionSource();
        tests._issuer.Gate = gate.Task;
        using var cancel = new CancellationTokenSource();

        var cancelled = tests.Evaluator.DecideAsync(new TenantRequest("alice", Acme), cancel.Token).AsTask();
        await Eventually.UntilAsync(() => tests._issuer.Calls == 1);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        gate.SetResult();
        var next = await tests.EvaluateAsync();

        Assert.True(next.IsAllowed); // allow: the cancelled request's slot went back
        Assert.NotNull(next.ConcurrencyLease);
        next.ConcurrencyLease!.Dispose();
    }

    [Fact]
    public async Task EvaluateAsync_ShardedOrganization_CredentialKeyAndDecisionCarryTheShardCount()
    {
        _organizations.Answer = FakeOrganizationStore.Active with { Shards = ShardCount.Create(8) };
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");

        var decision = await EvaluateAsync();

        Assert.True(decision.IsAllowed);
        Assert.Equal(8, decision.Shards.Value);
        Assert.Equal(8, Assert.Single(_issuer.Issued).Key.Shards.Value);
    }

    /// <summary>A reshard (the record's shard count changes) is another credential key: the credentials minted for one
    /// shard count are never served for the other (failed before: one STS call, the unsharded session served for 8 shards).</summary>
    [Fact]
    public async Task EvaluateAsync_Resharded_NewCredentialsNotTheCachedOnes()
    {
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        var before = await EvaluateAsync();
        _organizations.Answer = FakeOrganizationStore.Active with { Shards = ShardCount.Create(8) };
        _time.Advance(TimeSpan.FromSeconds(3)); // past Membership:StatusTtl (2 s): the record is read again

        var after = await EvaluateAsync();

        Assert.True(before.IsAllowed);
        Assert.True(after.IsAllowed);
        Assert.Equal((1, 8), (before.Shards.Value, after.Shards.Value));
        Assert.NotEqual(before.Credentials!.AccessKeyId, after.Credentials!.AccessKeyId);
        Assert.Equal([1, 8], _issuer.Issued.Select(i => i.Key.Shards.Value));
        Assert.NotEqual(_issuer.Issued.First().Key.SharedCacheKey, _issuer.Issued.Last().Key.SharedCacheKey);
    }

    /// <summary>An invalid shard count refuses a member's requests (never unsharded); a non-member still learns nothing,
    /// and the same member with a valid count is allowed (twin).</summary>
    [Fact]
    public async Task EvaluateAsync_InvalidShardCount_DeniedFailClosed_NonMemberNotAMember()
    {
        _organizations.Answer = FakeOrganizationStore.Active with { ShardsInvalid = true };
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        var member = await EvaluateAsync();
        _store.Answer = Membership.NotAMember;
        var stranger = await Evaluator.DecideAsync(new TenantRequest("mallory", Acme), CancellationToken.None);
        _organizations.Answer = FakeOrganizationStore.Active with { Shards = ShardCount.Create(4) };
        _time.Advance(TimeSpan.FromSeconds(3));
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        var fixedRecord = await EvaluateAsync();

        Assert.Equal(TenantDenialCode.InvalidShardCount, member.Denial);
        Assert.Equal("invalid_shard_count", member.Reason);
        Assert.Equal(TenantDenialCode.NotAMember, stranger.Denial);
        Assert.True(fixedRecord.IsAllowed);
        Assert.Equal(4, Assert.Single(_issuer.Issued).Key.Shards.Value);
    }

    /// <summary>Waits (bounded) until <paramref name="done"/> holds; false when it never did.</summary>
    private static async Task<bool> EventuallyAsync(Func<bool> done)
    {
        for (var i = 0; i < 500 && !done(); i++)
        {
            await Task.Delay(10);
        }

        return done();
    }

    [Fact]
    public async Task EvaluateAsync_ColdMiss_MembershipReadInFlightBesideTheOrganizationRead_StsOnlyAfterBothAnswered()
    {
        // A cold request waits for one table round trip, not two: the membership lookup is on the wire while the
        // organization's read is still unanswered. STS is not called before both answered and the membership is proven.
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        var organizationRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var membershipRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _organizations.Gate = organizationRead;
        _store.Gate = membershipRead;

        var decision = EvaluateAsync().AsTask();

        Assert.True(await EventuallyAsync(() => _organizations.Calls == 1 && _store.Calls == 1), $"organization reads {_organizations.Calls}, membership reads {_store.Calls}: the membership read waited for the organization's");
        organizationRead.SetResult();
        await Task.Delay(100);
        Assert.False(decision.IsCompleted);
        Assert.Equal(0, _issuer.Calls);
        membershipRead.SetResult();

        var allowed = await decision.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(allowed.IsAllowed);
        Assert.Equal(1, _issuer.Calls);
    }

    [Fact]
    public async Task EvaluateAsync_ColdMiss_NotAMemberWhileTheOrganizationReadIsInFlight_DeniedWithoutSts()
    {
        var organizationRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _organizations.Gate = organizationRead;
        _store.Answer = Membership.NotAMember;

        var decision = EvaluateAsync().AsTask();
        Assert.True(await EventuallyAsync(() => _store.Calls == 1));
        organizationRead.SetResult();
        var denied = await decision.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(TenantDenialCode.NotAMember, denied.Denial);
        Assert.Equal(0, _issuer.Calls);
    }

    [Fact]
    public async Task EvaluateAsync_ColdMiss_OrganizationReadFailsWhileTheMemberIsConfirmed_DeniedMembershipUnavailableWithoutSts()
    {
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        var membershipRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _store.Gate = membershipRead;
        _organizations.Fail = true;

        var denied = await EvaluateAsync();
        membershipRead.SetResult();
        _organizations.Fail = false;
        var allowed = await EvaluateAsync(); // the twin: the organization's table answers again

        Assert.Equal(TenantDenialCode.MembershipUnavailable, denied.Denial);
        Assert.True(allowed.IsAllowed);
        Assert.Equal(1, _issuer.Calls);
    }

    [Fact]
    public async Task EvaluateAsync_Decisions_TimedPerStage_ReadsOnlyOnMisses()
    {
        using var stages = new MetricCollector<double>(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), IsolationMetrics.MeterName, IsolationMetrics.StageDurationInstrument);
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");

        Assert.True((await EvaluateAsync()).IsAllowed);
        Assert.True((await EvaluateAsync()).IsAllowed);

        var byStage = stages.GetMeasurementSnapshot().GroupBy(m => (string)m.Tags["stage"]!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        Assert.Equal(new Dictionary<string, int>(StringComparer.Ordinal) { ["decision"] = 2, ["organization_read"] = 1, ["membership_read"] = 1 }, byStage);
        Assert.All(byStage.Keys, stage => Assert.Contains(stage, IsolationMetrics.Stages));
    }
}
