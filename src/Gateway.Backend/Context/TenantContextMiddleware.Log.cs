using Gateway.Backend.Diagnostics;
using Gateway.Envelopes;
using Microsoft.Extensions.Logging;

namespace Gateway.Backend.Context;

internal sealed partial class TenantContextMiddleware
{
    /// <summary>
    /// Every value that comes from the request or the envelope (path, method, organization, user, request id, AWS error
    /// code) is written through <see cref="LogValue.Quote(string?)"/>: a JSON string literal that cannot break the log line.
    /// </summary>
    private static partial class Log
    {
        public static void EnvelopeRejected(ILogger logger, string code, string reason, string method, string path) =>
            EnvelopeRejectedCore(logger, code, LogValue.Quote(reason), LogValue.Quote(method), LogValue.Quote(path));

        public static void AccessDenied(ILogger logger, string organizationId, string userId, string action, string requestId) =>
            AccessDeniedCore(logger, LogValue.Quote(organizationId), LogValue.Quote(userId), LogValue.Quote(action), LogValue.Quote(requestId));

        public static void CredentialsRefused(ILogger logger, string exceptionType, string? errorCode, string organizationId, string requestId) =>
            CredentialsRefusedCore(logger, exceptionType, LogValue.Quote(errorCode), LogValue.Quote(organizationId), LogValue.Quote(requestId));

        public static void DataStoreUnavailable(ILogger logger, string exceptionType, string? errorCode, string organizationId, string requestId) =>
            DataStoreUnavailableCore(logger, exceptionType, LogValue.Quote(errorCode), LogValue.Quote(organizationId), LogValue.Quote(requestId));

        public static void DeniedAfterResponseStarted(ILogger logger, string organizationId, string requestId) =>
            DeniedAfterResponseStartedCore(logger, LogValue.Quote(organizationId), LogValue.Quote(requestId));

        [LoggerMessage(EventId = BackendLogEvents.EnvelopeRejected, EventName = "EnvelopeRejected", Level = LogLevel.Warning,
            Message = "Tenant context rejected: {Code} (reason={Reason}) method={Method} path={Path}")]
        private static partial void EnvelopeRejectedCore(ILogger logger, string code, string reason, string method, string path);

        [LoggerMessage(EventId = BackendLogEvents.AccessDenied, EventName = "AccessDenied", Level = LogLevel.Warning,
            Message = "DynamoDB access denied by IAM: organization={OrganizationId} user={UserId} action={Action} request={RequestId}")]
        private static partial void AccessDeniedCore(ILogger logger, string organizationId, string userId, string action, string requestId);

        [LoggerMessage(EventId = BackendLogEvents.CredentialsRefused, EventName = "CredentialsRefused", Level = LogLevel.Warning,
            Message = "DynamoDB refused the scoped credentials: exception={ExceptionType} code={ErrorCode} organization={OrganizationId} request={RequestId}")]
        private static partial void CredentialsRefusedCore(ILogger logger, string exceptionType, string errorCode, string organizationId, string requestId);

        [LoggerMessage(EventId = BackendLogEvents.DataStoreUnavailable, EventName = "DataStoreUnavailable", Level = LogLevel.Warning,
            Message = "DynamoDB unavailable (unreachable, timed out or 5xx): exception={ExceptionType} code={ErrorCode} organization={OrganizationId} request={RequestId}")]
        private static partial void DataStoreUnavailableCore(ILogger logger, string exceptionType, string errorCode, string organizationId, string requestId);

        [LoggerMessage(EventId = BackendLogEvents.DeniedAfterResponseStarted, EventName = "DeniedAfterResponseStarted", Level = LogLevel.Error,
            Message = "DynamoDB denied a request after the response had started; cannot send 403: organization={OrganizationId} request={RequestId}")]
        private static partial void DeniedAfterResponseStartedCore(ILogger logger, string organizationId, string requestId);
    }
}
