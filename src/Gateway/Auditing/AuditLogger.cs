using Gateway.Envelopes;
using Microsoft.Extensions.Options;

namespace Gateway.Auditing;

/// <summary>
/// One structured audit event per tenant decision on the <c>Gateway.Audit</c> category: request id, organization,
/// user, route, allow/deny, reason code and STS session name. Never a secret, claim set or policy. Every value is
/// written as a JSON string literal (<see cref="LogValue"/>), so no identity value can forge a line or a field.
/// </summary>
#pragma warning disable CA1873 // every call is guarded by an explicit IsEnabled check; the quoting must not run otherwise
internal sealed partial class AuditLogger
{
    public const string CategoryName = "Gateway.Audit";
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
        if (_sampleRate > 0 && Random.Shared.NextDouble() < _sampleRate)
        {
            if (_logger.IsEnabled(LogLevel.Information))
            {
                AllowedSampled(_logger, LogValue.Quote(requestId), LogValue.Quote(organizationId), LogValue.Quote(userId), LogValue.Quote(routeId), LogValue.Quote(role), LogValue.Quote(permissionSet), LogValue.Quote(sessionName));
            }
        }
        else if (_logger.IsEnabled(LogLevel.Debug))
        {
            AllowedDebug(_logger, LogValue.Quote(requestId), LogValue.Quote(organizationId), LogValue.Quote(userId), LogValue.Quote(routeId), LogValue.Quote(role), LogValue.Quote(permissionSet), LogValue.Quote(sessionName));
        }
    }

    /// <summary>A request sent to a route's legacy cluster (organization not yet migrated; no scoped credentials). Always logged.</summary>
    public void Legacy(string requestId, string organizationId, string userId, string routeId, string role, string clusterId)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            LegacyEvent(_logger, LogValue.Quote(requestId), LogValue.Quote(organizationId), LogValue.Quote(userId), LogValue.Quote(routeId), LogValue.Quote(role), LogValue.Quote(clusterId));
        }
    }

    public void Denied(string requestId, string? organizationId, string? userId, string routeId, string code, string reason)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            DeniedEvent(_logger, LogValue.Quote(requestId), LogValue.Quote(organizationId), LogValue.Quote(userId), LogValue.Quote(routeId), LogValue.Quote(code), LogValue.Quote(reason));
        }
    }

    /// <summary>A 401/403 before the tenant pipeline; <paramref name="suppressed"/> = refusals with the same reason not logged since the last line.</summary>
    public void Refused(string requestId, string? routeId, string code, string reason, long suppressed)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            RefusedEvent(_logger, LogValue.Quote(requestId), LogValue.Quote(routeId), LogValue.Quote(code), LogValue.Quote(reason), suppressed);
        }
    }

    [LoggerMessage(EventId = 6001, EventName = "TenantAllowed", Level = LogLevel.Debug, SkipEnabledCheck = true,
        Message = "audit decision=allow requestId={RequestId} organizationId={OrganizationId} userId={UserId} route={RouteId} role={Role} permissionSet={PermissionSet} session={SessionName}")]
    private static partial void AllowedDebug(ILogger logger, string requestId, string organizationId, string userId, string routeId, string role, string permissionSet, string sessionName);

    [LoggerMessage(EventId = 6003, EventName = "TenantAllowedSampled", Level = LogLevel.Information, SkipEnabledCheck = true,
        Message = "audit decision=allow requestId={RequestId} organizationId={OrganizationId} userId={UserId} route={RouteId} role={Role} permissionSet={PermissionSet} session={SessionName}")]
    private static partial void AllowedSampled(ILogger logger, string requestId, string organizationId, string userId, string routeId, string role, string permissionSet, string sessionName);

    [LoggerMessage(EventId = 6002, EventName = "TenantDenied", Level = LogLevel.Information, SkipEnabledCheck = true,
        Message = "audit decision=deny requestId={RequestId} organizationId={OrganizationId} userId={UserId} route={RouteId} code={Code} reason={Reason}")]
    private static partial void DeniedEvent(ILogger logger, string requestId, string organizationId, string userId, string routeId, string code, string reason);

    [LoggerMessage(EventId = 6005, EventName = "TenantLegacy", Level = LogLevel.Information, SkipEnabledCheck = true,
        Message = "audit decision=legacy requestId={RequestId} organizationId={OrganizationId} userId={UserId} route={RouteId} role={Role} cluster={ClusterId} credentials=none")]
    private static partial void LegacyEvent(ILogger logger, string requestId, string organizationId, string userId, string routeId, string role, string clusterId);

    [LoggerMessage(EventId = 6004, EventName = "RequestRefused", Level = LogLevel.Information, SkipEnabledCheck = true,
        Message = "audit decision=deny requestId={RequestId} route={RouteId} code={Code} reason={Reason} suppressed={Suppressed}")]
    private static partial void RefusedEvent(ILogger logger, string requestId, string routeId, string code, string reason, long suppressed);
}
#pragma warning restore CA1873
