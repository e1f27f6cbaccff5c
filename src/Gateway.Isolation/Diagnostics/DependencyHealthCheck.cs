using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Isolation.Diagnostics;

/// <summary>
/// A readiness check of one dependency, cached for a few seconds so probes cannot hammer STS or DynamoDB.
/// Reports the exception type only, never a message that could carry request data.
/// </summary>
internal abstract class DependencyHealthCheck(TimeProvider time) : IHealthCheck
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private volatile CachedResult? _last;

    protected abstract string Name { get; }

    protected abstract Task ProbeAsync(CancellationToken cancellationToken);

    /// <summary>Adjusts the (possibly cached) probe result with live state on every check. Default: unchanged.</summary>
    protected virtual HealthCheckResult Assess(HealthCheckResult probed) => probed;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var last = _last;
        if (last is not null && time.GetUtcNow() - last.At < CacheFor)
        {
            return Assess(last.Result);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        HealthCheckResult result;
        try
        {
            await ProbeAsync(timeout.Token);
            result = HealthCheckResult.Healthy($"{Name} reachable");
        }
#pragma warning disable CA1031 // any failure means "not ready"
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            result = HealthCheckResult.Unhealthy($"{Name} unreachable ({ex.GetType().Name})");
        }

        _last = new CachedResult(result, time.GetUtcNow());
        return Assess(result);
    }

    private sealed record CachedResult(HealthCheckResult Result, DateTimeOffset At);
}
