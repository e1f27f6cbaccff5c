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

        [LoggerMessage(EventId = IsolationLogEvents.CredentialsRejectedDropped, Level = LogLevel.Warning, Message = "The data store rejected credential set {SessionName} ({AccessKeyId}) of organization {OrganizationId} / {PermissionSet}: dropped it (removed from L2: {RemovedFromL2}, announced to the fleet: {Announced}); the next request mints a new one")]
        public static partial void RejectedDropped(ILogger logger, string organizationId, string permissionSet, string sessionName, string accessKeyId, bool removedFromL2, bool announced);

        [LoggerMessage(EventId = IsolationLogEvents.CredentialsRejectedIgnored, Level = LogLevel.Debug, Message = "A rejection of credential set {AccessKeyId} of organization {OrganizationId} / {PermissionSet} was not acted on: {Outcome}")]
        public static partial void RejectionIgnored(ILogger logger, string organizationId, string permissionSet, string accessKeyId, CredentialRejectionOutcome outcome);

        [LoggerMessage(EventId = IsolationLogEvents.RevokedCredentialsDropped, Level = LogLevel.Information, Message = "Credential set {SessionName} ({AccessKeyId}) of organization {OrganizationId} / {PermissionSet} was requested before a revocation's cut-off: refused from {Tier}; the request gets a set issued after it")]
        public static partial void RevokedSetDropped(ILogger logger, string organizationId, string permissionSet, string sessionName, string accessKeyId, string tier);

        [LoggerMessage(EventId = IsolationLogEvents.CredentialsRejectedAnnounced, Level = LogLevel.Information, Message = "Another instance dropped rejected credential set {AccessKeyId} of organization {OrganizationId} / {PermissionSet}; this instance's copy dropped: {Dropped}")]
        public static partial void RejectedAnnounced(ILogger logger, string organizationId, string permissionSet, string accessKeyId, bool dropped);
    }
}
