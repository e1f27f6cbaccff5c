using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Isolation.Revocations;

/// <summary>
/// <c>/readyz</c> check <c>revocations</c>: Degraded (still 200: the instance serves and IAM enforces every revocation)
/// while the latest read of <c>tenant-revocations</c> failed — AccessDenied names the missing <c>iam:GetRolePolicy</c> —
/// Healthy otherwise (the active revocations and when they were read, or that the watch is off).
/// </summary>
internal sealed class RevocationHealthCheck(RevocationWatcher watcher) : IHealthCheck
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
            return Task.FromResult(HealthCheckResult.Degraded(failure));
        }

        return Task.FromResult(status.LastRead is { } read
            ? HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"{watcher.ActiveRevocations} active revocation(s), read at {read:O}"))
            : HealthCheckResult.Healthy("tenant-revocations not read yet"));
    }
}
