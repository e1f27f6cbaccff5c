using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Isolation.Revocations;

/// <summary>
/// <c>/readyz</c> check <c>revocations</c>: Degraded (still 200: the instance serves and IAM enforces every revocation)
/// while reading <c>tenant-revocations</c> is refused — AccessDenied names the missing <c>iam:GetRolePolicy</c> — or has
/// failed for three poll intervals (IAM unreachable), Healthy otherwise (the active revocations and when they were read, or that the watch is off).
/// </summary>
internal sealed class RevocationHealthCheck(RevocationWatcher watcher, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!watcher.Enabled)
        {
            return Task.FromResult(HealthCheckResult.Healthy("not watched (TenantIsolation:Revocations:Enabled is false): cached credentials of a revoked organization are served until they refresh"));
        }

        var status = watcher.Current;
        if (status.Failure is { } failure)
        {
            // Refused (AccessDenied, a malformed policy) at once; a transient failure (IAM unreachable, a timeout) once it
            // outlasted three intervals, so a blip — a restarted LocalAws — does not flap readiness.
            if (status.Refused || time.GetUtcNow() - status.FailingSince >= 3 * watcher.PollInterval)
            {
                return Task.FromResult(HealthCheckResult.Degraded(failure));
            }

            return Task.FromResult(HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"{watcher.ActiveRevocations} active revocation(s); the latest read failed ({failure}), Degraded if it still fails after {3 * watcher.PollInterval.TotalSeconds:0.###} s")));
        }

        return Task.FromResult(status.LastRead is { } read
            ? HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"{watcher.ActiveRevocations} active revocation(s), read at {read:O}"))
            : HealthCheckResult.Healthy("tenant-revocations not read yet"));
    }
}
