using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Diagnostics;

/// <summary>
/// A readiness check of one dependency, cached for a few seconds so probes cannot hammer STS or DynamoDB.
/// Reports the exception type only, never a message that could carry request data.
/// </summary>
internal abstract class DependencyHealthCheck(TimeProvider time) : IHealthCheck
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private HealthCheckResult _last;
    private DateTimeOffset _lastAt = DateTimeOffset.MinValue;

    protected abstract string Name { get; }

    protected abstract Task ProbeAsync(CancellationToken cancellationToken);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (now - _lastAt < CacheFor)
            {
                return _last;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            try
            {
                await ProbeAsync(timeout.Token);
                _last = HealthCheckResult.Healthy($"{Name} reachable");
            }
#pragma warning disable CA1031 // any failure means "not ready"
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                _last = HealthCheckResult.Unhealthy($"{Name} unreachable ({ex.GetType().Name})");
            }

            _lastAt = time.GetUtcNow();
            return _last;
        }
        finally
        {
            _gate.Release();
        }
    }
}
