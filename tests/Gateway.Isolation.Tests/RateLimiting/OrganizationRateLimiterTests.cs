using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.RateLimiting;
using Gateway.Policies;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.RateLimiting;

public sealed class OrganizationRateLimiterTests : IDisposable
{
    private static readonly OrganizationId Acme = OrganizationId.Parse("acme");
    private static readonly OrganizationId Globex = OrganizationId.Parse("globex");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly TestMeterFactory _meters = new();
    private readonly FakeLogger<OrganizationRateLimiter> _logger = new();
    private readonly ReloadableMonitor _options;
    private readonly List<OrganizationRateLimiter> _limiters = [];

    public OrganizationRateLimiterTests()
    {
        var options = TestOptions.Valid();
        options.RateLimits = Limits(defaultRate: 4, enterpriseRate: 10);
        _options = new ReloadableMonitor(options);
    }

    private static RateLimitOptions Limits(double defaultRate, double enterpriseRate, int instances = 1) => new()
    {
        Enabled = true,
        ExpectedInstances = instances,
        Tiers = new()
        {
            ["default"] = new RateLimitTierOptions { RequestsPerSecond = defaultRate },
            ["enterprise"] = new RateLimitTierOptions { RequestsPerSecond = enterpriseRate, ConcurrentRequests = 2 },
        },
    };

    private OrganizationRateLimiter Limiter(IFleetRateLimitStore? fleet = null)
    {
        var limiter = new OrganizationRateLimiter(_options, _time, new IsolationMetrics(_meters), _logger, fleet);
        _limiters.Add(limiter);
        return limiter;
    }

    private static async Task<int> AdmittedAsync(OrganizationRateLimiter limiter, OrganizationId organization, string? tier, int attempts)
    {
        var admitted = 0;
        for (var i = 0; i < attempts; i++)
        {
            var decision = await limiter.AcquireAsync(organization, tier);
            admitted += decision.Allowed ? 1 : 0;
            decision.Lease?.Dispose();
        }

        return admitted;
    }

    [Fact]
    public async Task AcquireAsync_TierFromTheRecord_ItsLimitApplies_AbsentTierGetsTheDefault()
    {
        var limiter = Limiter();

        Assert.Equal(10, await AdmittedAsync(limiter, Acme, "enterprise", 50));
        Assert.Equal(4, await AdmittedAsync(limiter, Globex, null, 50));
    }

    [Fact]
    public async Task AcquireAsync_UnknownTier_DefaultTierNeverUnlimited_OneWarningNotOnePerRequest()
    {
        var limiter = Limiter();

        var admitted = await AdmittedAsync(limiter, Acme, "platinum", 50);
        _time.Advance(TimeSpan.FromSeconds(30));
        await AdmittedAsync(limiter, Acme, "platinum", 5);

        Assert.Equal(4, admitted);
        var warning = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Id.Id == IsolationLogEvents.RateLimitUnknownTier);
        Assert.Contains("platinum", warning.Message, StringComparison.Ordinal);
        Assert.Contains("default", warning.Message, StringComparison.Ordinal);

        _time.Advance(OrganizationRateLimiter.UnknownTierWarningInterval);
        await AdmittedAsync(limiter, Acme, "platinum", 1);
        Assert.Equal(2, _logger.Collector.GetSnapshot().Count(r => r.Id.Id == IsolationLogEvents.RateLimitUnknownTier));
    }

    [Fact]
    public async Task AcquireAsync_Disabled_EveryRequestAllowedWithoutHeaders()
    {
        _options.Set(new RateLimitOptions { Enabled = false, Tiers = Limits(4, 10).Tiers });
        var limiter = Limiter();

        var decision = await limiter.AcquireAsync(Acme, null);

        Assert.Equal(50, await AdmittedAsync(limiter, Acme, null, 50));
        Assert.Null(decision.Status);
    }

    [Fact]
    public async Task AcquireAsync_ReloadRaisesTheRate_TakesEffectWithoutRestart_BucketKeepsItsTokens()
    {
        var limiter = Limiter();
        Assert.Equal(4, await AdmittedAsync(limiter, Acme, null, 10));

        _options.Set(Limits(defaultRate: 20, enterpriseRate: 10));
        var beforeRefill = await AdmittedAsync(limiter, Acme, null, 10);
        _time.Advance(TimeSpan.FromSeconds(1));
        var afterRefill = await AdmittedAsync(limiter, Acme, null, 50);

        Assert.Equal(0, beforeRefill); // the empty bucket stays empty: a reload grants no free burst
        Assert.Equal(20, afterRefill);
    }

    [Fact]
    public async Task AcquireAsync_ConcurrencyLimit_RefusedUntilALeaseIsDisposed()
    {
        var limiter = Limiter();
        var first = await limiter.AcquireAsync(Acme, "enterprise");
        var second = await limiter.AcquireAsync(Acme, "enterprise");

        var third = await limiter.AcquireAsync(Acme, "enterprise");
        first.Lease!.Dispose();
        first.Lease!.Dispose(); // twice: still one slot
        var fourth = await limiter.AcquireAsync(Acme, "enterprise");
        var fifth = await limiter.AcquireAsync(Acme, "enterprise");

        Assert.True(first.Allowed && second.Allowed);
        Assert.False(third.Allowed);
        Assert.Equal(RateLimitDecision.ConcurrencyLimitedReason, third.Reason);
        Assert.True(fourth.Allowed);
        Assert.False(fifth.Allowed);
    }

    [Fact]
    public async Task AcquireAsync_RefusedByRate_ConcurrencySlotGivenBack()
    {
        var limiter = Limiter();
        for (var i = 0; i < 10; i++)
        {
            (await limiter.AcquireAsync(Acme, "enterprise")).Lease!.Dispose();
        }

        var refused = await limiter.AcquireAsync(Acme, "enterprise");
        _time.Advance(TimeSpan.FromSeconds(1));
        var a = await limiter.AcquireAsync(Acme, "enterprise");
        var b = await limiter.AcquireAsync(Acme, "enterprise");

        Assert.Equal(RateLimitDecision.RateLimitedReason, refused.Reason);
        Assert.True(a.Allowed && b.Allowed); // both slots free: the refused request did not keep one
    }

    [Fact]
    public async Task Sweep_IdleFullOrganizations_Dropped_BusyOrLeasedKept()
    {
        var limiter = Limiter();
        await AdmittedAsync(limiter, Acme, null, 1);
        var leased = await limiter.AcquireAsync(Globex, "enterprise");

        _time.Advance(OrganizationRateLimiter.IdleTimeout);
        limiter.Sweep();

        Assert.Equal(1, limiter.Count); // acme dropped; globex holds a lease
        leased.Lease!.Dispose();
        limiter.Sweep();
        Assert.Equal(0, limiter.Count);
        Assert.Equal(4, await AdmittedAsync(limiter, Acme, null, 10)); // a fresh, full bucket: nothing was lost
    }

    [Fact]
    public async Task AcquireAsync_FleetStoreAnswers_ItsAnswerApplies()
    {
        var fleet = new FakeFleet { Answer = new BucketResult(false, 0, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(1)) };
        var limiter = Limiter(fleet);

        var decision = await limiter.AcquireAsync(Acme, null);

        Assert.False(decision.Allowed); // the local bucket is full, but the fleet's is empty
        Assert.Equal(TimeSpan.FromMilliseconds(300), decision.RetryAfter);
        Assert.Equal((4.0, 4), fleet.LastLimits);
    }

    [Fact]
    public async Task AcquireAsync_FleetStoreDown_LocalShareLimitOverExpectedInstances_NeverUnlimited_LoggedOncePerSwitch()
    {
        _options.Set(Limits(defaultRate: 30, enterpriseRate: 10, instances: 3));
        var fleet = new FakeFleet { Answer = null };
        var limiter = Limiter(fleet);

        var admitted = await AdmittedAsync(limiter, Acme, null, 100);

        Assert.Equal(10, admitted); // 30 / 3 instances, never 30, never 0 or 100
        Assert.True(limiter.IsFallback);
        Assert.Single(_logger.Collector.GetSnapshot(), r => r.Id.Id == IsolationLogEvents.RateLimitFleetFallback);

        fleet.Answer = new BucketResult(true, 5, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.True((await limiter.AcquireAsync(Acme, null)).Allowed);
        Assert.False(limiter.IsFallback);
        Assert.Single(_logger.Collector.GetSnapshot(), r => r.Id.Id == IsolationLogEvents.RateLimitFleetRestored);
    }

    [Fact]
    public async Task AcquireAsync_WholeFleetInFallback_NeverMoreThanTheFleetLimit_NeverNothing()
    {
        // Four instances, Redis down for all of them, the tier's 10/s (burst 10): each its local share.
        _options.Set(Limits(defaultRate: 10, enterpriseRate: 10, instances: 4));
        var fleet = Enumerable.Range(0, 4).Select(_ => Limiter(new FakeFleet { Answer = null })).ToList();

        var atOnce = new List<int>();
        foreach (var instance in fleet)
        {
            atOnce.Add(await AdmittedAsync(instance, Acme, null, 100));
        }

        // Deny: at most the fleet's burst of 10 at once — failed before: each rounded 10 / 4 up to 3, 12 at once.
        // Allow: every instance admits (2 each: 10 / 4 rounded down), never nothing.
        Assert.InRange(atOnce.Sum(), 1, 10);
        Assert.All(atOnce, n => Assert.True(n >= 1));
        var total = atOnce.Sum();
        for (var step = 0; step < 40; step++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            foreach (var instance in fleet)
            {
                total += await AdmittedAsync(instance, Acme, null, 5);
            }
        }

        // Over 4 s the fleet's own bucket allows at most burst + rate × 4 s = 50 (failed before: 52); the exact 2.5/s
        // each still serves the whole rate (allow: at least 40).
        Assert.InRange(total, 40, 50);
    }

    [Fact]
    public async Task AcquireAsync_FallbackBurstBelowTheFleetSize_EachInstanceStillAdmitsOne()
    {
        // Allow twin: a burst of 2 over 4 instances rounds down to 0 — never that: 1, and the rate 0.5/s each.
        _options.Set(Limits(defaultRate: 2, enterpriseRate: 10, instances: 4));
        var limiter = Limiter(new FakeFleet { Answer = null });

        Assert.Equal(1, await AdmittedAsync(limiter, Acme, null, 10));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await AdmittedAsync(limiter, Acme, null, 10));
    }

    [Fact]
    public async Task AcquireAsync_FleetStore_ConcurrencyIsThisInstancesShare_WithoutItTheWholeLimit()
    {
        // Concurrency is counted per instance: with a fleet (Redis) each instance holds ConcurrentRequests / ExpectedInstances
        // (enterprise: 2 / 2 = 1), so the fleet never has more than the tier's limit in flight.
        _options.Set(Limits(defaultRate: 4, enterpriseRate: 10, instances: 2));
        var fleet = Limiter(new FakeFleet { Answer = new BucketResult(true, 5, TimeSpan.Zero, TimeSpan.FromSeconds(1)) });
        var alone = Limiter();

        var first = await fleet.AcquireAsync(Acme, "enterprise");
        var second = await fleet.AcquireAsync(Acme, "enterprise");
        var aloneFirst = await alone.AcquireAsync(Acme, "enterprise");
        var aloneSecond = await alone.AcquireAsync(Acme, "enterprise");

        Assert.True(first.Allowed); // allow: the instance's one slot
        Assert.False(second.Allowed); // deny: not the tier's 2 on each of 2 instances
        Assert.Equal(RateLimitDecision.ConcurrencyLimitedReason, second.Reason);
        Assert.True(aloneFirst.Allowed && aloneSecond.Allowed); // without a fleet the instance is the fleet: the whole 2
        first.Lease!.Dispose();
        aloneFirst.Lease!.Dispose();
        aloneSecond.Lease!.Dispose();
    }

    public void Dispose()
    {
        foreach (var limiter in _limiters)
        {
            limiter.Dispose();
        }

        _meters.Dispose();
    }

    private sealed class FakeFleet : IFleetRateLimitStore
    {
        public BucketResult? Answer { get; set; }

        public (double Rate, int Burst) LastLimits { get; private set; }

        public ValueTask<BucketResult?> TryTakeAsync(string organizationId, double rate, int burst)
        {
            LastLimits = (rate, burst);
            return ValueTask.FromResult(Answer);
        }
    }

    /// <summary>A monitor that tells its listeners, as <see cref="LastGoodOptionsMonitor{TOptions}"/> does after a valid reload.</summary>
    private sealed class ReloadableMonitor(TenantIsolationOptions value) : IOptionsMonitor<TenantIsolationOptions>
    {
        private readonly List<Action<TenantIsolationOptions, string?>> _listeners = [];

        public TenantIsolationOptions CurrentValue { get; private set; } = value;

        public TenantIsolationOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<TenantIsolationOptions, string?> listener)
        {
            _listeners.Add(listener);
            return null;
        }

        public void Set(RateLimitOptions limits)
        {
            var next = TestOptions.Valid();
            next.RateLimits = limits;
            CurrentValue = next;
            foreach (var listener in _listeners)
            {
                listener(next, Options.DefaultName);
            }
        }
    }
}
