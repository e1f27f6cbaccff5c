using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// <c>/readyz</c> check <c>credentials</c>: Degraded (still 200: the instance serves, new sets are being minted) for
/// <c>Cache:RejectionCooldown</c> after this instance dropped a credential set the data store rejected, Healthy otherwise.
/// Evaluated live on every probe.
/// </summary>
internal sealed class CredentialRejectionHealthCheck(CredentialCache credentials, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var cooldown = credentials.RejectionCooldown;
        var seconds = cooldown.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
        if (credentials.LastRejection is { } last && time.GetUtcNow() - last < cooldown)
        {
            return Task.FromResult(HealthCheckResult.Degraded(
                $"the data store rejected a credential set at {last.ToString("O", CultureInfo.InvariantCulture)}; dropped it and minting new credentials (Degraded for {seconds} s after the last rejection)"));
        }

        return Task.FromResult(HealthCheckResult.Healthy($"no credential set rejected by the data store in the last {seconds} s"));
    }
}
