using Gateway.Isolation.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Hosting;

/// <summary>
/// Continuous verification in the real pipeline (<see cref="InProcessGateway"/>), enabled with a one-day interval and no start-up run so
/// no run happens during the test: the series as the Prometheus exporter renders them.
/// </summary>
public sealed class ContinuousVerificationPipelineTests : IAsyncLifetime
{
    private InProcessGateway _gateway = null!;

    public async Task InitializeAsync()
        => _gateway = await InProcessGateway.StartAsync(new Dictionary<string, string?> { ["TenantIsolation:Verification:Interval"] = "1.00:00:00", ["TenantIsolation:Verification:RunAtStartup"] = "false" });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Metrics_VerificationEnabled_FailuresCounterAtZeroFromStartUp()
    {
        var metrics = await _gateway.ScrapeAsync();

        Assert.Contains("# TYPE gateway_isolation_verification_failures_total counter", metrics, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^gateway_isolation_verification_failures_total(\{[^}]*\})? 0", metrics);
    }

    [Fact]
    public async Task Metrics_AfterASuccessfulRun_LastSuccessGaugeInSeconds()
    {
        _gateway.Services.GetRequiredService<IsolationMetrics>().VerificationSucceeded(DateTimeOffset.FromUnixTimeSeconds(1_767_225_600));

        var metrics = await _gateway.ScrapeAsync();

        Assert.Contains("# TYPE gateway_isolation_verification_last_success_timestamp_seconds gauge", metrics, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^gateway_isolation_verification_last_success_timestamp_seconds(\{[^}]*\})? 1767225600", metrics);
    }
}
