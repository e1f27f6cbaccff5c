using Gateway.Isolation.Diagnostics;

namespace Gateway.Isolation.Credentials;

internal sealed partial class CredentialCache
{
    private static partial class Log
    {
        [LoggerMessage(EventId = IsolationLogEvents.CredentialsUnavailable, Level = LogLevel.Warning, Message = "No scoped credentials for organization {OrganizationId} / {PermissionSet}: {ExceptionType}: {Reason}")]
        public static partial void CredentialsUnavailable(ILogger logger, string organizationId, string permissionSet, string exceptionType, string reason);

        [LoggerMessage(EventId = IsolationLogEvents.RefreshFailed, Level = LogLevel.Warning, Message = "Background credential refresh failed for organization {OrganizationId} / {PermissionSet} ({ExceptionType}); serving current credentials until the expiry buffer")]
        public static partial void RefreshFailed(ILogger logger, string organizationId, string permissionSet, string exceptionType);
    }
}
