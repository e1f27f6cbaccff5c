using System.Diagnostics;
using Gateway.Diagnostics;
using Microsoft.Extensions.Options;

namespace Gateway.Auditing;

/// <summary>
/// One structured audit event per tenant decision on the <c>Gateway.Audit</c> category (<see cref="AuditEvent"/>):
/// event, decision, organization, user, route, problem code, STS session name, request id and trace id as structured
/// fields, never a secret, claim set or policy. The text message quotes every value (<see cref="Envelopes.LogValue"/>);
/// the JSON console formatter (the production default) escapes them as JSON strings; either way no identity value can
/// forge a line or a field.
/// </summary>
internal sealed class AuditLogger
{
    public const string CategoryName = "Gateway.Audit";
    private static readonly EventId AllowedDebugId = new(LogEvents.TenantAllowed, "TenantAllowed");
    private static readonly EventId AllowedSampledId = new(LogEvents.TenantAllowedSampled, "TenantAllowedSampled");
    private static readonly EventId DeniedId = new(LogEvents.TenantDenied, "TenantDenied");
    private static readonly EventId RefusedId = new(LogEvents.RequestRefused, "RequestRefused");
    private static readonly EventId LegacyId = new(LogEvents.TenantLegacy, "TenantLegacy");
    private readonly ILogger _logger;
    private readonly double _sampleRate;

    public AuditLogger(ILoggerFactory loggerFactory, IOptions<AuditOptions> options)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(options);
        _logger = loggerFactory.CreateLogger(CategoryName);
        _sampleRate = Math.Clamp(options.Value.AllowSampleRate, 0, 1);
    }

    public void Allowed(string requestId, string organizationId, string userId, string routeId, string role, string permissionSet, string sessionName)
    {
        var (level, id) = _sampleRate > 0 && _logger.IsEnabled(LogLevel.Information) && Random.Shared.NextDouble() < _sampleRate
            ? (LogLevel.Information, AllowedSampledId)
            : (LogLevel.Debug, AllowedDebugId);
        if (_logger.IsEnabled(level))
        {
            _logger.Log(level, id, AuditEvent.Allowed(requestId, organizationId, userId, routeId, role, permissionSet, sessionName, CurrentTraceId()), null, AuditEvent.Formatter);
        }
    }

    /// <summary>A request sent to a route's legacy cluster (organization not yet migrated; no scoped credentials). Always logged.</summary>
    public void Legacy(string requestId, string organizationId, string userId, string routeId, string role, string clusterId)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.Log(LogLevel.Information, LegacyId, AuditEvent.Legacy(requestId, organizationId, userId, routeId, role, clusterId, CurrentTraceId()), null, AuditEvent.Formatter);
        }
    }

    /// <param name="suppressed">For throttled denials (<see cref="RefusalAuditor.Limited"/>): denials of the organization not logged since the last line.</param>
    public void Denied(string requestId, string? organizationId, string? userId, string routeId, string code, string reason, long? suppressed = null)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.Log(LogLevel.Information, DeniedId, AuditEvent.Denied(requestId, organizationId, userId, routeId, code, reason, CurrentTraceId(), suppressed), null, AuditEvent.Formatter);
        }
    }

    /// <summary>A 401/403 before the tenant pipeline; <paramref name="suppressed"/> = refusals with the same reason not logged since the last line.</summary>
    public void Refused(string requestId, string? routeId, string code, string reason, long suppressed)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.Log(LogLevel.Information, RefusedId, AuditEvent.Refused(requestId, routeId, code, reason, suppressed, CurrentTraceId()), null, AuditEvent.Formatter);
        }
    }

    private static string? CurrentTraceId() => Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.TraceId.ToHexString() : null;
}
