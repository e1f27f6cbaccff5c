using Amazon.Runtime;
using Gateway.Envelopes;

namespace Applications.Api;

/// <summary>
/// The sample's last line of defence, outside the tenant-context middleware (which maps access denials, refused
/// credentials and the store's outages first): any exception nobody mapped is answered 500 problem+json
/// <c>internal_error</c>, never an empty 500, and logged by exception type and AWS error code only (messages can quote
/// request content). The request id is the gateway's <c>X-Request-Id</c> when it sent one (as the tenant-context
/// middleware uses it), else the host's trace identifier. A request the client abandoned is left alone.
/// </summary>
internal static partial class UnexpectedFailures
{
    public const string Code = "internal_error";

    private const int MaxRequestIdLength = 128;

    public static IApplicationBuilder UseUnexpectedFailures(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
#pragma warning disable CA1031 // any exception: the point is that none escapes as an empty 500
        catch (Exception ex) when (!context.Response.HasStarted)
#pragma warning restore CA1031
        {
            var requestId = RequestId(context);
            Log.Unhandled(context.RequestServices.GetRequiredService<ILogger<UnexpectedFailureLog>>(), ex.GetType().Name, (ex as AmazonServiceException)?.ErrorCode, requestId);
            context.Response.Clear();
            context.Response.Headers.CacheControl = "no-store";
            await TypedResults.Problem(
                detail: "The service failed to handle the request.",
                statusCode: StatusCodes.Status500InternalServerError,
                extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { ["code"] = Code, ["requestId"] = requestId })
                .ExecuteAsync(context);
        }
    });

    private static string RequestId(HttpContext context)
    {
        var header = context.Request.Headers["X-Request-Id"];
        return header.Count == 1 && header[0] is { Length: > 0 and <= MaxRequestIdLength } id
            && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? id
            : context.TraceIdentifier;
    }

    private static partial class Log
    {
        public static void Unhandled(ILogger logger, string exceptionType, string? errorCode, string requestId)
        {
            if (logger.IsEnabled(LogLevel.Error))
            {
#pragma warning disable CA1873 // guarded by the IsEnabled check above
                UnhandledCore(logger, exceptionType, LogValue.Quote(errorCode), LogValue.Quote(requestId));
#pragma warning restore CA1873
            }
        }

        [LoggerMessage(EventId = 6004, EventName = "UnhandledException", Level = LogLevel.Error,
            Message = "Unhandled {ExceptionType} (AWS error code {ErrorCode}) for request {RequestId}; answered 500 internal_error")]
        private static partial void UnhandledCore(ILogger logger, string exceptionType, string errorCode, string requestId);
    }
}

/// <summary>Log category of <see cref="UnexpectedFailures"/>.</summary>
internal sealed class UnexpectedFailureLog;
