using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.Credentials;

/// <summary>The credential cache behind the AssumeRole budget (<see cref="StsAdmission"/>): what a request sees.</summary>
public sealed class CredentialCacheAdmissionTests : IDisposable
{
    private static readonly PermissionSet ReadWrite = new() { Name = "read-write", Tables = [new TableAccess { TableName = "Applications", PartitionKey = "organizationId", Read = true, Write = true }] };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeCredentialIssuer _issuer;
    private readonly TestMeterFactory _meters = new();
    private readonly IsolationMetrics _metrics;
    private readonly StsAdmission _admission;
    private readonly CredentialCache _cache;

    public CredentialCacheAdmissionTests()
    {
        _issuer = new FakeCredentialIssuer(_time);
        _metrics = new IsolationMetrics(_meters);
        var options = TestOptions.Valid();
        options.RefreshAhead = TimeSpan.FromMinutes(10);
        options.ExpiryBuffer = TimeSpan.FromMinutes(2);
        options.Cache.RefreshRetryInterval = TimeSpan.FromSeconds(30);
        options.Sts.MaxAssumeRolePerSecond = 1;
        options.Sts.AdmissionTimeout = TimeSpan.FromSeconds(2);
        _admission = new StsAdmission(TestOptions.Wrap(options), _time, _metrics, NullLogger<StsAdmission>.Instance);
        _cache = new CredentialCache(_issuer, TestOptions.Wrap(options), _time, _metrics, NullLogger<CredentialCache>.Instance, shared: null, admission: _admission);
    }

    private static CredentialKey User(string user, string org = "acme") => new(OrganizationId.Parse(org), "read-write", user, "0123456789abcdef");

    [Fact]
    public async Task GetAsync_ColdMissNotAdmittedInTime_CredentialsUnavailableWithRetryAfter_WhileTheOneAdmittedInTimeGetsCredentials()
    {
        var first = await _cache.GetAsync(User("alice"), ReadWrite, CancellationToken.None); // this second's one call
        var admitted = _cache.GetAsync(User("bob"), ReadWrite, CancellationToken.None).AsTask();
        var refused = _cache.GetAsync(User("carol"), ReadWrite, CancellationToken.None).AsTask();
        await Eventually.UntilAsync(() => _admission.Waiting == 2); // both misses queued in the first second

        _time.Advance(TimeSpan.FromSeconds(1));
        var bob = await admitted.WaitAsync(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(1));
        var carol = await refused.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.NotNull(first.Credentials);
        Assert.NotNull(bob.Credentials); // allow: admitted at the next second, within Sts:AdmissionTimeout
        Assert.Null(carol.Credentials); // deny: not admitted within 2 s → credentials_unavailable
        Assert.Equal(TimeSpan.FromSeconds(5), carol.RetryAfter);
        Assert.Equal(2, _issuer.Calls); // the refused miss never reached STS
    }

    [Fact]
    public async Task GetAsync_RefreshAheadWithoutBudget_KeepsServingTheStillValidCredentials()
    {
        var original = new Dictionary<string, ScopedCredentials>();
        foreach (var user in new[] { "alice", "bob", "carol" })
        {
            original[user] = (await _cache.GetAsync(User(user), ReadWrite, CancellationToken.None)).Credentials!;
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        _time.Advance(TimeSpan.FromMinutes(51)); // all three inside refresh-ahead (10 min), outside the buffer (2 min)
        foreach (var user in original.Keys)
        {
            // Each request is served the current set at once; its refresh-ahead asks the budget in the background.
            Assert.Same(original[user], (await _cache.GetAsync(User(user), ReadWrite, CancellationToken.None)).Credentials);
        }

        await Eventually.UntilAsync(() => _issuer.Calls == 4); // alice's refresh took this second's call
        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.UntilAsync(() => _issuer.Calls == 5); // bob's the next second's (allow)
        _time.Advance(TimeSpan.FromSeconds(1)); // carol's refresh waited 2 s: refused (deny)
        await Eventually.UntilAsync(() => _admission.Waiting == 0); // on a loaded machine the refusal takes > 100 ms
        await Task.Delay(100); // a wrongly admitted refresh would call the issuer right after leaving the queue

        Assert.Equal(5, _issuer.Calls);
        Assert.Same(original["carol"], (await _cache.GetAsync(User("carol"), ReadWrite, CancellationToken.None)).Credentials);
        Assert.NotSame(original["bob"], (await _cache.GetAsync(User("bob"), ReadWrite, CancellationToken.None)).Credentials);
    }

    [Fact]
    public async Task GetAsync_RefreshAheadQueuedAfterAnotherOrganizationsColdMiss_IsAdmittedFirst()
    {
        await _cache.GetAsync(User("alice"), ReadWrite, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(51)); // alice's set is inside refresh-ahead (10 min), outside the buffer (2 min)
        await _cache.GetAsync(User("bob", "globex"), ReadWrite, CancellationToken.None); // this second's one call
        var carol = _cache.GetAsync(User("carol", "globex"), ReadWrite, CancellationToken.None).AsTask();
        await Eventually.UntilAsync(() => _admission.Waiting == 1); // globex's cold miss queued first
        await _cache.GetAsync(User("alice"), ReadWrite, CancellationToken.None); // served; its refresh-ahead queues behind
        await Eventually.UntilAsync(() => _admission.Waiting == 2);

        _time.Advance(TimeSpan.FromSeconds(1));

        // Allow: the next second's one call is alice's refresh (the cache tells the budget it is one); deny: carol's earlier
        // cold miss waits (failed before on a cache that asked as a new session: carol went first, alice's refresh waited).
        await Eventually.UntilAsync(() => _issuer.Calls == 3);
        await Task.Delay(100);
        Assert.Equal(3, _issuer.Calls);
        Assert.Equal("alice", _issuer.Issued.Last().Key.UserId);
        Assert.False(carol.IsCompleted);
    }

    [Fact]
    public async Task GetAsync_AssumeRoleStillInFlight_TheNextColdMissWaitsUntilOneSecondAfterStsAnswered()
    {
        // 1/s: alice's AssumeRole takes 1.5 s to answer. bob's cold miss must not reach STS while it may still arrive in the
        // same second as alice's (STS counts arrivals; the budget counts each call until 1 s after it was answered).
        var (answerAlice, alice, bob) = await AliceInFlightBobQueuedAsync();

        _time.Advance(TimeSpan.FromMilliseconds(1500));
        await Task.Delay(100);
        Assert.Equal(1, _issuer.Calls); // deny: failed before (bob's call was admitted at 1 s, alice's still in flight)
        answerAlice();
        Assert.NotNull((await alice.WaitAsync(TimeSpan.FromSeconds(10))).Credentials);
        _time.Advance(TimeSpan.FromMilliseconds(400)); // 1.9 s: within the admission timeout (2 s) of bob's miss, 0.4 s after alice's answer
        await Task.Delay(100);
        Assert.Equal(1, _issuer.Calls);
        Assert.False(bob.IsCompleted);
    }

    [Fact]
    public async Task GetAsync_AssumeRoleAnsweredAfterHalfASecond_TheNextColdMissIsAdmittedOneSecondAfterTheAnswer()
    {
        // The allow twin: alice's AssumeRole answers at 0.5 s; bob's cold miss (admission timeout 2 s) goes at 1.5 s.
        var (answerAlice, alice, bob) = await AliceInFlightBobQueuedAsync();

        _time.Advance(TimeSpan.FromMilliseconds(500));
        answerAlice();
        Assert.NotNull((await alice.WaitAsync(TimeSpan.FromSeconds(10))).Credentials);
        _time.Advance(TimeSpan.FromMilliseconds(990));
        await Task.Delay(100);
        Assert.Equal(1, _issuer.Calls); // deny: 0.99 s after alice's answer
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.NotNull((await bob.WaitAsync(TimeSpan.FromSeconds(10))).Credentials); // allow: 1 s after it
        Assert.Equal(2, _issuer.Calls);
    }

    /// <summary>
    /// alice's cold miss held at STS (its AssumeRole sent, not answered: the issuer waits on a gate), then globex's bob
    /// queued at the budget behind it. The returned action answers alice's call (opens the gate).
    /// </summary>
    private async Task<(Action AnswerAlice, Task<CredentialResult> Alice, Task<CredentialResult> Bob)> AliceInFlightBobQueuedAsync()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _issuer.Gate = gate.Task;
        var alice = _cache.GetAsync(User("alice"), ReadWrite, CancellationToken.None).AsTask();
        await Eventually.UntilAsync(() => _issuer.Calls == 1);
        var bob = _cache.GetAsync(User("bob", "globex"), ReadWrite, CancellationToken.None).AsTask();
        await Eventually.UntilAsync(() => _admission.Waiting == 1);
        return (() =>
        {
            _issuer.Gate = null;
            gate.SetResult();
        }, alice, bob);
    }

    public void Dispose()
    {
        _cache.Dispose();
        _admission.Dispose();
        _metrics.Dispose();
        _meters.Dispose();
    }
}
