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
        var service = new MembershipService(_store, TestOptions.Wrap(options), _time, _metrics, shared ? _redis.For(_time, _metrics) : null);
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
    public async Task GetAsync_LookupStartedBeforeEviction_IsNotCached()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new GatedStore(gate.Task);
        var options = TestOptions.Valid();
        using var gated = new MembershipService(store, TestOptions.Wrap(options), _time, _metrics, _redis.For(_time, _metrics));

        var pending = gated.GetAsync("alice", Acme, CancellationToken.None).AsTask();
        await Task.Delay(20);
        gated.Evict("alice", null);
        gate.SetResult();
        Assert.True((await pending).IsMember); // answered, but from before the eviction: not remembered

        Assert.Empty(_redis.Redis.Values);
        await gated.GetAsync("alice", Acme, CancellationToken.None);
        Assert.Equal(2, store.Calls);
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

    private sealed class GatedStore(Task gate) : IMembershipStore
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public async Task<Membership> LookupAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                await gate;
            }

            return new Membership(MembershipStatus.Member, "MEMBER");
        }

        public Task CheckReachableAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
