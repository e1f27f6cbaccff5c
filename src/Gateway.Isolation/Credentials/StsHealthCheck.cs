using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// STS readiness. Unhealthy when STS does not answer GetCallerIdentity with the gateway's own credentials (probed,
/// cached 5 s). Degraded, evaluated live on every probe, while AssumeRole is failing: the circuit breaker is open,
/// half-open or isolated, or at least <see cref="StsResilienceOptions.HealthFailureRatio"/> of the AssumeRole calls in
/// the last <see cref="StsResilienceOptions.HealthWindow"/> failed.
/// </summary>
internal sealed class StsHealthCheck(ICredentialIssuer issuer, StsResiliencePipeline pipeline, StsCallWindow window, IOptions<TenantIsolationOptions> options, TimeProvider time)
    : DependencyHealthCheck(time)
{
    private readonly StsResilienceOptions _sts = options.Value.Sts;

    protected override string Name => "STS";

    protected override Task ProbeAsync(CancellationToken cancellationToken) => issuer.CheckReachableAsync(cancellationToken);

    protected override HealthCheckResult Assess(HealthCheckResult probed)
    {
        if (probed.Status == HealthStatus.Unhealthy)
        {
            return probed;
        }

        var circuit = pipeline.CircuitState.CircuitState;
        if (circuit != CircuitState.Closed)
        {
            return HealthCheckResult.Degraded($"STS reachable; AssumeRole circuit {circuit.ToString().ToLowerInvariant()}");
        }

        var (calls, failures) = window.Snapshot();
        if (calls >= _sts.HealthMinimumCalls && failures > 0 && failures >= _sts.HealthFailureRatio * calls)
        {
            return HealthCheckResult.Degraded($"STS reachable; {failures} of {calls} AssumeRole calls failed in the last {window.Window.TotalSeconds:0} s");
        }

        return probed;
    }
}
