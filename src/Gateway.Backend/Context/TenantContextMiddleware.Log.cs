using Microsoft.Extensions.Logging;

namespace Gateway.Backend.Context;

internal sealed partial class TenantContextMiddleware
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 5001, Level = LogLevel.Warning,
            Message = "Tenant context rejected: {Code} ({Reason}) for {Method} {Path}")]
        public static partial void EnvelopeRejected(ILogger logger, string code, string reason, string method, string path);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Warning,
            Message = "DynamoDB access denied by IAM for organization {OrganizationId}, user {UserId}, action {Action}, request {RequestId}")]
        public static partial void AccessDenied(ILogger logger, string organizationId, string userId, string action, string requestId);

        [LoggerMessage(EventId = 5003, Level = LogLevel.Warning,
            Message = "DynamoDB refused the scoped credentials ({ErrorCode}) for organization {OrganizationId}, request {RequestId}")]
        public static partial void CredentialsRefused(ILogger logger, string errorCode, string organizationId, string requestId);

        [LoggerMessage(EventId = 5004, Level = LogLevel.Error,
            Message = "DynamoDB denied a request after the response had started; cannot send 403 (organization {OrganizationId}, request {RequestId})")]
        public static partial void DeniedAfterResponseStarted(ILogger logger, string organizationId, string requestId);
    }
}
