using System.Globalization;
using Gateway.Hosting;
using Gateway.Isolation.Configuration;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The <c>Shutdown</c> section: bounds on <c>DrainDelay</c> and <c>Timeout</c>, reported by the start-up check
/// (<see cref="GatewayConfiguration.ValidateAll(IServiceProvider)"/>) with every other error, and the host's own shutdown
/// timeout set to cover both.
/// </summary>
public sealed class ShutdownOptionsValidatorTests
{
    [Theory]
    [InlineData("00:00:05", "00:00:25")] // the defaults
    [InlineData("00:00:00", "00:00:00")]
    [InlineData("00:05:00", "00:10:00")]
    public void Validate_DurationsWithinBounds_Succeeds(string drainDelay, string timeout)
    {
        var options = new ShutdownOptions { DrainDelay = Parse(drainDelay), Timeout = Parse(timeout) };

        Assert.True(new ShutdownOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("-00:00:01", "00:00:25", "Shutdown:DrainDelay")]
    [InlineData("00:05:01", "00:00:25", "Shutdown:DrainDelay")]
    [InlineData("00:00:05", "-00:00:01", "Shutdown:Timeout")]
    [InlineData("00:00:05", "01:00:00", "Shutdown:Timeout")]
    public void Validate_DurationOutOfBounds_FailsNamingTheKey(string drainDelay, string timeout, string key)
    {
        var options = new ShutdownOptions { DrainDelay = Parse(drainDelay), Timeout = Parse(timeout) };

        var failure = Assert.Single(new ShutdownOptionsValidator().Validate(null, options).Failures!);

        Assert.StartsWith($"{key} must be between", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DefaultsAreTheDocumentedOnes()
    {
        var defaults = new ShutdownOptions();

        Assert.Equal(TimeSpan.FromSeconds(5), defaults.DrainDelay);
        Assert.Equal(TimeSpan.FromSeconds(25), defaults.Timeout);
    }

    [Fact]
    public async Task ValidateAll_InvalidShutdownSection_ListsBothErrorsWithTheOthers()
    {
        await using var app = Build(new() { ["Shutdown:DrainDelay"] = "-00:00:01", ["Shutdown:Timeout"] = "02:00:00", ["TenantIsolation:RoleArn"] = "" });

        var failures = GatewayConfiguration.ValidateAll(app.Services);

        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:RoleArn is required", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Shutdown:DrainDelay must be between 00:00:00 and 00:05:00 (was -00:00:01)", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Shutdown:Timeout must be between 00:00:00 and 00:10:00 (was 02:00:00)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ValidateAll_UnparsableDuration_ListedNamingTheKey()
    {
        await using var app = Build(new() { ["Shutdown:DrainDelay"] = "soon" });

        var failure = Assert.Single(GatewayConfiguration.ValidateAll(app.Services));

        Assert.Contains("Shutdown:DrainDelay", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAll_ValidShutdownSection_NoFailures()
    {
        await using var app = Build(new() { ["Shutdown:DrainDelay"] = "00:00:10", ["Shutdown:Timeout"] = "00:01:00" });

        Assert.Empty(GatewayConfiguration.ValidateAll(app.Services));
    }

    [Theory]
    [InlineData(null, null, 30)] // 5 s + 25 s
    [InlineData("00:00:10", "00:01:00", 70)]
    [InlineData("00:00:00", "00:00:03", 3)]
    public async Task HostShutdownTimeout_CoversDrainDelayAndTimeout(string? drainDelay, string? timeout, int expectedSeconds)
    {
        await using var app = Build(new() { ["Shutdown:DrainDelay"] = drainDelay, ["Shutdown:Timeout"] = timeout });

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Fact]
    public async Task HostShutdownTimeout_InvalidSection_BuildsWithoutThrowing()
    {
        // The host reads HostOptions when it is built, before ValidateAll reports the error: neither may throw.
        foreach (var drainDelay in (string[])["soon", "-00:00:01"])
        {
            await using var app = Build(new() { ["Shutdown:DrainDelay"] = drainDelay });

            _ = app.Services.GetRequiredService<IOptions<HostOptions>>().Value;
            Assert.Contains(GatewayConfiguration.ValidateAll(app.Services), f => f.Contains("Shutdown:DrainDelay", StringComparison.Ordinal));
        }
    }

    private static WebApplication Build(Dictionary<string, string?> overrides)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = RepoPaths.Root, EnvironmentName = "Local" });
        foreach (var (key, value) in overrides.Where(o => o.Value is not null))
        {
            builder.Configuration[key] = value;
        }

        builder.Services.AddTenantGateway(builder.Configuration);
        return builder.Build();
    }

    private static TimeSpan Parse(string value) => TimeSpan.Parse(value, CultureInfo.InvariantCulture);
}
