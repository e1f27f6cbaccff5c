using Gateway.Testing;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies;
using Gateway.Isolation.Memberships;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.Memberships;

public sealed class MembershipServiceTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeStore _store = new();
    private readonly TestMeterFactory _meters = new();
    private readonly MembershipService _service;
    private readonly TestOptions.Monitor<Gateway.Isolation.Configuration.TenantIsolationOptions> _options;

    public MembershipServiceTests()
    {
        var options = TestOptions.Valid();
        options.Membership.PositiveTtl = TimeSpan.FromSeconds(30);
        options.Membership.NegativeTtl = TimeSpan.FromSeconds(5);
        _options = TestOptions.Watch(options);
        _service = new MembershipService(_store, _options, _time, new IsolationMetrics(_meters));
    }

    [Fact]
    public async Task GetAsync_PositiveTtlReloaded_TheNextAnswerIsCachedForTheNewTtl()
    {
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        var reloaded = TestOptions.Valid();
        reloaded.Membership.PositiveTtl = TimeSpan.FromSeconds(5);
        _options.CurrentValue = reloaded;

        await _service.GetAsync("alice", OrganizationId.Parse("acme"), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(4));
        await _service.GetAsync("alice", OrganizationId.Parse("acme"), CancellationToken.None);
        Assert.Equal(1, _store.Calls); // the twin: still inside the new TTL

        _time.Advance(TimeSpan.FromSeconds(2));
        await _service.GetAsync("alice", OrganizationId.Parse("acme"), CancellationToken.None);
        Assert.Equal(2, _store.Calls); // past the reloaded 5 s (the 30 s of start-up no longer applies)
    }

    [Fact]
    public async Task GetAsync_Member_CachedForPositiveTtl()
    {
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");

        await _service.GetAsync("alice", OrganizationId.Parse("acme"), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(29));
        await _service.GetAsync("alice", OrganizationId.Parse("acme"), CancellationToken.None);
        Assert.Equal(1, _store.Calls);

        _time.Advance(TimeSpan.FromSeconds(2));
        await _service.GetAsync("alice", OrganizationId.Parse("acme"), CancellationToken.None);
        Assert.Equal(2, _store.Calls);
    }

    [Fact]
    public async Task GetAsync_NotAMember_CachedOnlyForNegativeTtl()
    {
        _store.Answer = Membership.NotAMember;

        await _service.GetAsync("alice", OrganizationId.Parse("globex"), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(4));
        await _service.GetAsync("alice", OrganizationId.Parse("globex"), CancellationToken.None);
        Assert.Equal(1, _store.Calls);

        _time.Advance(TimeSpan.FromSeconds(2));
        _store.Answer = new Membership(MembershipStatus.Member, "MEMBER"); // added to the organization meanwhile
        var membership = await _service.GetAsync("alice", OrganizationId.Parse("globex"), CancellationToken.None);
        Assert.True(membership.IsMember);
    }

    [Fact]
    public async Task GetAsync_StoreFails_ThrowsAndDoesNotCache()
    {
        _store.Fail = true;
        await Assert.ThrowsAsync<MembershipUnavailableException>(() => _service.GetAsync("alice", OrganizationId.Parse("acme"), CancellationToken.None).AsTask());

        _store.Fail = false;
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        Assert.True((await _service.GetAsync("alice", OrganizationId.Parse("acme"), CancellationToken.None)).IsMember);
        Assert.Equal(2, _store.Calls);
    }

    [Fact]
    public async Task GetAsync_KeyIncludesUser()
    {
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        await _service.GetAsync("alice", OrganizationId.Parse("acme"), CancellationToken.None);

        _store.Answer = Membership.NotAMember;
        var mallory = await _service.GetAsync("mallory", OrganizationId.Parse("acme"), CancellationToken.None);

        Assert.False(mallory.IsMember);
    }

    public void Dispose()
    {
        _service.Dispose();
        _meters.Dispose();
    }

    private sealed class FakeStore : IMembershipStore
    {
        private int _calls;

        public Membership Answer { get; set; } = Membership.NotAMember;

        public bool Fail { get; set; }

        public int Calls => _calls;

        public Task<Membership> LookupAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return Fail ? Task.FromException<Membership>(new MembershipUnavailableException("down")) : Task.FromResult(Answer);
        }

        public Task CheckReachableAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
