using Microsoft.Extensions.Options;

namespace Gateway.Auditing;

/// <summary>
/// One structured audit event per tenant decision on the <c>Gateway.Audit</c> category: request id, organization,
/// user, route, allow/deny, reason code and STS session name. Never a secret, claim set or policy.
/// </summary>
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
            AllowedSampled(_logger, requestId, organizationId, userId, routeId, role, permissionSet, sessionName);
        }
        else
        {
            AllowedDebug(_logger, requestId, organizationId, userId, routeId, role, permissionSet, sessionName);
        }
    }

    public void Denied(string requestId, string? organizationId, string? userId, string routeId, string code, string reason)
        => DeniedEvent(_logger, requestId, organizationId ?? "-", userId ?? "-", routeId, code, reason);

    [LoggerMessage(EventId = 6001, EventName = "TenantAllowed", Level = LogLevel.Debug,
        Message = "audit decision=allow requestId={RequestId} organizationId={OrganizationId} userId={UserId} route={RouteId} role={Role} permissionSet={PermissionSet} session={SessionName}")]
    private static partial void AllowedDebug(ILogger logger, string requestId, string organizationId, string userId, string routeId, string role, string permissionSet, string sessionName);

    [LoggerMessage(EventId = 6003, EventName = "TenantAllowedSampled", Level = LogLevel.Information,
        Message = "audit decision=allow requestId={RequestId} organizationId={OrganizationId} userId={UserId} route={RouteId} role={Role} permissionSet={PermissionSet} session={SessionName}")]
    private static partial void AllowedSampled(ILogger logger, string requestId, string organizationId, string userId, string routeId, string role, string permissionSet, string sessionName);

    [LoggerMessage(EventId = 6002, EventName = "TenantDenied", Level = LogLevel.Information,
        Message = "audit decision=deny requestId={RequestId} organizationId={OrganizationId} userId={UserId} route={RouteId} code={Code} reason={Reason}")]
    private static partial void DeniedEvent(ILogger logger, string requestId, string organizationId, string userId, string routeId, string code, string reason);
}
