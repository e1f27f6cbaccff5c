using Gateway.Isolation.Caching;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Memberships;
using Gateway.Isolation.Tests.Caching;
using Gateway.Policies;
using Gateway.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Gateway.Isolation.Tests.Memberships;

/// <summary><see cref="MembershipService"/> with an L2 shared by two instances, and <see cref="MembershipService.Evict"/>.</summary>
public sealed class MembershipServiceFleetTests : IDisposable
{
    private static readonly OrganizationId Acme = OrganizationId.Parse("acme");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeMembershipStore _store = new() { Answer = new Membership(MembershipStatus.Member, "MEMBER") };
    private readonly TestMeterFactory _meters = new();
    private readonly IsolationMetrics _metrics;
    private readonly TestSharedCache _redis = new();
    private readonly List<MembershipService> _instances = [];

    public MembershipServiceFleetTests() => _metrics = new IsolationMetrics(_meters);

    private MembershipService Instance(bool shared = true)
    {
        var options = TestOptions.Valid();
        options.Membership.PositiveTtl = TimeSpan.FromSeconds(30);
        var service = new MembershipService(_store, TestOptions.Watch(options), _time, _metrics, shared ? _redis.For(_time, _metrics) : null);
        _instances.Add(service);
        return service;
    }

    [Fact]
    public async Task GetAsync_SecondInstance_ServedFromL2UntilTheFirstLookupsTtlEnds()
    {
        await Instance().GetAsync("alice", Acme, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(20));
        var second = Instance();

        var fromL2 = await second.GetAsync("alice", Acme, CancellationToken.None);
        Assert.Equal(1, _store.Calls);
        Assert.Equal("MEMBER", fromL2.Role);

        _time.Advance(TimeSpan.FromSeconds(11)); // 31 s after the lookup: the fleet-wide TTL is over
        await second.GetAsync("alice", Acme, CancellationToken.None);
        Assert.Equal(2, _store.Calls);
    }

    [Fact]
    public async Task Evict_CachedUser_NextLookupReadsTheStore()
    {
        var service = Instance(shared: false);
        await service.GetAsync("alice", Acme, CancellationToken.None);
        await service.GetAsync("bob", Acme, CancellationToken.None);
        _store.Answer = Membership.NotAMember;

        Assert.Equal(1, service.Evict("alice", null));

        Assert.False((await service.GetAsync("alice", Acme, CancellationToken.None)).IsMember);
        Assert.True((await service.GetAsync("bob", Acme, CancellationToken.None)).IsMember); // the twin: bob was not evicted
        Assert.Equal(3, _store.Calls);
    }

    [Fact]
    public async Task Evict_OtherOrganization_KeepsThisOne()
    {
        var service = Instance(shared: false);
        await service.GetAsync("alice", Acme, CancellationToken.None);

        Assert.Equal(0, service.Evict("alice", "globex"));
        Assert.Equal(1, service.Evict("alice", "acme"));
    }

    [Fact]
    public async Task GetAsync_RequestArrivingAfterEviction_DoesNotJoinTheLookupInFlightBeforeIt()
    {
        // The lookup in flight read the table before the membership was deleted; the eviction reaches the instance; a
        // request arriving now must not be answered by that lookup.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new GatedStore(gate.Task, later: Membership.NotAMember);
        using var service = new MembershipService(store, TestOptions.Watch(TestOptions.Valid()), _time, _metrics, _redis.For(_time, _metrics));
        var before = service.GetAsync("alice", Acme, CancellationToken.None).AsTask();
        await Eventually.UntilAsync(() => store.Calls == 1);

        service.Evict("alice", null);
        var after = service.GetAsync("alice", Acme, CancellationToken.None).AsTask();
        gate.SetResult();

        Assert.False((await after).IsMember);
        Assert.False((await before).IsMember); // its lookup was overtaken by the eviction: it looked again
        Assert.False((await service.GetAsync("alice", Acme, CancellationToken.None)).IsMember);
    }

    [Fact]
    public async Task GetAsync_RequestArrivingBeforeAnyEviction_JoinsTheLookupInFlight()
    {
        // The twin: without an eviction, concurrent misses share one lookup and its answer.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new GatedStore(gate.Task, later: Membership.NotAMember);
        using var service = new MembershipService(store, TestOptions.Watch(TestOptions.Valid()), _time, _metrics, _redis.For(_time, _metrics));
        var first = service.GetAsync("alice", Acme, CancellationToken.None).AsTask();
        await Eventually.UntilAsync(() => store.Calls == 1);

        var second = service.GetAsync("alice", Acme, CancellationToken.None).AsTask();
        gate.SetResult();

        Assert.True((await first).IsMember);
        Assert.True((await second).IsMember);
        Assert.Equal(1, store.Calls);
    }

    [Fact]
    public async Task GetAsync_EvictionOfAnotherUserDuringTheLookup_AnswerServedAndCached()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new GatedStore(gate.Task, later: Membership.NotAMember);
        using var service = new MembershipService(store, TestOptions.Watch(TestOptions.Valid()), _time, _metrics, _redis.For(_time, _metrics));
        var pending = service.GetAsync("alice", Acme, CancellationToken.None).AsTask();
        await Eventually.UntilAsync(() => store.Calls == 1);

        service.Evict("bob", null);
        gate.SetResult();

        Assert.True((await pending).IsMember);
        Assert.True((await service.GetAsync("alice", Acme, CancellationToken.None)).IsMember);
        Assert.Equal(1, store.Calls);
    }

    [Fact]
    public async Task GetAsync_OrganizationEvictedDuringTheLookups_ItsAnswerNeitherHandedOutNorCached_TwinOtherOrganizationsServedAndCached()
    {
        // Lookups of alice in acme and in globex read the table before alice's acme row was deleted; then acme is evicted
        // as a whole (evict --organization acme). acme's lookup must not answer anybody; globex's — the same user, another
        // organization — is served and cached (one lookup).
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new PerOrganizationStore(gate.Task);
        using var service = new MembershipService(store, TestOptions.Watch(TestOptions.Valid()), _time, _metrics, _redis.For(_time, _metrics));
        var globex = OrganizationId.Parse("globex");
        var acmeLookup = service.GetAsync("alice", Acme, CancellationToken.None).AsTask();
        var globexLookup = service.GetAsync("alice", globex, CancellationToken.None).AsTask();
        await Eventually.UntilAsync(() => store.Calls("acme") == 1 && store.Calls("globex") == 1);
        var before = service.Generation("alice", "globex");

        store.Remove("alice", "acme");
        Assert.Equal(0, service.Evict(null, "acme")); // nothing cached yet: only acme's generation moves
        gate.SetResult();

        Assert.False((await acmeLookup).IsMember); // overtaken: it looked again
        Assert.True((await globexLookup).IsMember);
        Assert.Equal(before, service.Generation("alice", "globex"));
        Assert.True((await service.GetAsync("alice", globex, CancellationToken.None)).IsMember);
        Assert.Equal((2, 1), (store.Calls("acme"), store.Calls("globex")));
        // Nor did the overtaken answer reach L2: another instance of the fleet does not find alice a member of acme there.
        using var second = new MembershipService(store, TestOptions.Watch(TestOptions.Valid()), _time, _metrics, _redis.For(_time, _metrics));
        Assert.False((await second.GetAsync("alice", Acme, CancellationToken.None)).IsMember);
    }

    [Fact]
    public async Task Evict_WholeOrganization_DropsEveryUsersAnswerInIt_TwinsOtherOrganizationAndLookalikeStay()
    {
        var service = Instance(shared: false);
        foreach (var (user, organization) in new[] { ("alice", "acme"), ("bob", "acme"), ("alice", "acme-2"), ("bob", "globex") })
        {
            await service.GetAsync(user, OrganizationId.Parse(organization), CancellationToken.None);
        }

        Assert.Equal(2, service.Evict(null, "acme"));
        Assert.Equal(2, service.Count);
        Assert.Equal(4, _store.Calls);
        await service.GetAsync("alice", OrganizationId.Parse("acme-2"), CancellationToken.None);
        await service.GetAsync("bob", OrganizationId.Parse("globex"), CancellationToken.None);
        Assert.Equal(4, _store.Calls); // the twins: still cached
        await service.GetAsync("bob", Acme, CancellationToken.None);
        Assert.Equal(5, _store.Calls);
    }

    [Fact]
    public async Task GetAsync_LookupOvertakenByEviction_ItsAnswerIsNeitherCachedNorWrittenToL2()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new GatedStore(gate.Task, later: Membership.NotAMember);
        var options = TestOptions.Valid();
        options.Membership.NegativeTtl = TimeSpan.Zero;
        using var gated = new MembershipService(store, TestOptions.Watch(options), _time, _metrics, _redis.For(_time, _metrics));

        var pending = gated.GetAsync("alice", Acme, CancellationToken.None).AsTask();
        await Eventually.UntilAsync(() => store.Calls == 1);
        gated.Evict("alice", null);
        gate.SetResult();
        Assert.False((await pending).IsMember);

        Assert.Empty(_redis.Redis.Values); // the overtaken Member answer never reached L2 (and a non-member is not cached here)
        Assert.Equal(2, store.Calls);
    }

    [Fact]
    public async Task EvictAsync_L2WriteUnderWay_ReturnsOnlyOnceItLanded()
    {
        // The backplane confirms after EvictAsync: an answer looked up before the eviction that is still on its way to
        // Redis must have landed by then, so that evict's final removal deletes it.
        var write = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _redis.Redis.SetGate = write.Task;
        var service = Instance();
        var lookup = service.GetAsync("alice", Acme, CancellationToken.None).AsTask();
        await Eventually.UntilAsync(() => service.PendingWrites == 1);

        var eviction = service.EvictAsync("alice", null);
        await Task.Delay(50);
        Assert.False(eviction.IsCompleted);
        write.SetResult();
        await eviction;

        Assert.Single(_redis.Redis.Values);
        Assert.True((await lookup).IsMember);
        Assert.Equal(0, service.PendingWrites);
    }

    [Fact]
    public async Task EvictAsync_NoWriteUnderWay_ReturnsAtOnce()
    {
        var service = Instance();
        await service.GetAsync("alice", Acme, CancellationToken.None);

        var eviction = service.EvictAsync("alice", null);

        Assert.True(eviction.IsCompleted);
        Assert.Equal(1, await eviction);
    }

    [Fact]
    public async Task GetAsync_RedisDown_ServedFromTheStore()
    {
        _redis.Redis.FailWith = new RedisConnectionException(ConnectionFailureType.SocketFailure, "down");

        var membership = await Instance().GetAsync("alice", Acme, CancellationToken.None);

        Assert.True(membership.IsMember);
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

    /// <summary>The first lookup waits for <paramref name="gate"/> and answers Member (read before the table changed); later ones answer <paramref name="later"/>.</summary>
    /// <summary>Members until <see cref="Remove"/>; each organization's first lookup waits for the gate.</summary>
    private sealed class PerOrganizationStore(Task gate) : IMembershipStore
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
        private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), bool> _removed = new();

        public int Calls(string organization) => _calls.GetValueOrDefault(organization);

        public void Remove(string user, string organization) => _removed[(user, organization)] = true;

        public async Task<Membership> LookupAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken)
        {
            var membership = _removed.ContainsKey((userId, organizationId.Value)) ? Membership.NotAMember : new Membership(MembershipStatus.Member, "MEMBER");
            if (_calls.AddOrUpdate(organizationId.Value, 1, (_, n) => n + 1) == 1)
            {
                await gate;
            }

            return membership;
        }

        public Task CheckReachableAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class GatedStore(Task gate, Membership? later = null) : IMembershipStore
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public async Task<Membership> LookupAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                await gate;
                return new Membership(MembershipStatus.Member, "MEMBER");
            }

            return later ?? new Membership(MembershipStatus.Member, "MEMBER");
        }

        public Task CheckReachableAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
