using Gateway.Isolation.Diagnostics;
using OpenTelemetry.Metrics;

namespace Gateway.Diagnostics;

/// <summary>
/// At start-up, once the OpenTelemetry <see cref="MeterProvider"/> exists (and so listens to the <c>Gateway</c> meter),
/// records 0 for every request outcome and for the STS call and failure counters, so /metrics shows those series at 0
/// before the first failure and alerts (<c>increase(...) &gt; 0</c>, absent-series checks) work from the first scrape.
/// </summary>
internal sealed class MetricsSeriesInitializer(IServiceProvider services, GatewayMetrics metrics, IsolationMetrics isolation) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetService<MeterProvider>(); // creating it starts its MeterListener
        metrics.InitializeSeries();
        isolation.InitializeSeries();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
