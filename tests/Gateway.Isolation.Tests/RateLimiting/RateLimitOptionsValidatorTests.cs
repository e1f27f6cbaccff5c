using Gateway.Isolation.Configuration;
using Gateway.Isolation.RateLimiting;

namespace Gateway.Isolation.Tests.RateLimiting;

public sealed class RateLimitOptionsValidatorTests
{
    private static List<string> Validate(RateLimitOptions options)
    {
        var errors = new List<string>();
        RateLimitOptionsValidator.Validate(options, "TenantIsolation:RateLimits", errors);
        return errors;
    }

    [Fact]
    public void Validate_ShippedShape_NoErrors()
    {
        var errors = Validate(new RateLimitOptions
        {
            Enabled = true,
            Tiers = new()
            {
                ["default"] = new RateLimitTierOptions { RequestsPerSecond = 200, Burst = 400, ConcurrentRequests = 100 },
                ["enterprise"] = new RateLimitTierOptions { RequestsPerSecond = 2000 },
            },
        });

        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_EveryErrorAtOnce_NamingTheKey()
    {
        var errors = Validate(new RateLimitOptions
        {
            Enabled = true,
            DefaultTier = "gold",
            ExpectedInstances = 0,
            Tiers = new()
            {
                ["empty"] = new RateLimitTierOptions(),
                ["bad rate"] = new RateLimitTierOptions { RequestsPerSecond = 0, Burst = 0, ConcurrentRequests = 0 },
                ["burstonly"] = new RateLimitTierOptions { Burst = 5, ConcurrentRequests = 1 },
            },
        });

        Assert.Contains(errors, e => e.StartsWith("TenantIsolation:RateLimits:ExpectedInstances", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("TenantIsolation:RateLimits:Tiers:empty sets no limit", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("TenantIsolation:RateLimits:Tiers:bad rate: a tier name", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("TenantIsolation:RateLimits:Tiers:bad rate:RequestsPerSecond", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("TenantIsolation:RateLimits:Tiers:bad rate:Burst", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("TenantIsolation:RateLimits:Tiers:bad rate:ConcurrentRequests", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("TenantIsolation:RateLimits:Tiers:burstonly:Burst needs", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("TenantIsolation:RateLimits:DefaultTier 'gold' names no tier", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DisabledWithoutTiers_Valid_EnabledWithoutTheDefaultTier_Invalid()
    {
        Assert.Empty(Validate(new RateLimitOptions()));
        Assert.Single(Validate(new RateLimitOptions { Enabled = true }));
    }

    [Fact]
    public void TenantIsolationValidator_IncludesTheRateLimitsSection()
    {
        var options = TestOptions.Valid();
        options.RateLimits = new RateLimitOptions { Enabled = true };

        var result = new TenantIsolationOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, e => e.Contains("TenantIsolation:RateLimits:DefaultTier", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1e-12, null, "RequestsPerSecond")]
    [InlineData(0.0009, null, "RequestsPerSecond")]
    [InlineData(1.0, 1_000_001, "Burst")]
    [InlineData(1.0, int.MaxValue, "Burst")]
    public void Validate_RefillTimeBeyondTheBounds_Refused(double rate, int? burst, string key)
    {
        var errors = Validate(new RateLimitOptions
        {
            Enabled = true,
            Tiers = new() { ["default"] = new RateLimitTierOptions { RequestsPerSecond = rate, Burst = burst } },
        });

        Assert.Contains(errors, e => e.StartsWith($"TenantIsolation:RateLimits:Tiers:default:{key} must be at least", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_TheBoundsThemselves_Valid_AndTheLimiterAnswersWithFiniteHeaders()
    {
        var limits = new RateLimitOptions
        {
            Enabled = true,
            Tiers = new() { ["default"] = new RateLimitTierOptions { RequestsPerSecond = 0.001, Burst = 1_000_000 } },
        };
        var options = TestOptions.Valid();
        options.RateLimits = limits;
        using var meters = new Gateway.Testing.TestMeterFactory();
        using var limiter = new OrganizationRateLimiter(TestOptions.Watch(options), new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), new Gateway.Isolation.Diagnostics.IsolationMetrics(meters), Microsoft.Extensions.Logging.Abstractions.NullLogger<OrganizationRateLimiter>.Instance);

        var decision = await limiter.AcquireAsync(Gateway.Policies.OrganizationId.Parse("acme"), null);

        Assert.Empty(Validate(limits));
        Assert.True(decision.Allowed);
        Assert.Equal(1_000_000_000, decision.Status!.WindowSeconds); // 10^6 / 0.001 s
        Assert.Equal(1_000, decision.Status.ResetSeconds); // one token short at 0.001/s
    }
}
