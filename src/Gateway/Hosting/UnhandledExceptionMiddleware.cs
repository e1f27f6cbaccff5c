using Gateway.Diagnostics;
using Gateway.Problems;

namespace Gateway.Hosting;

/// <summary>
/// Last line of defence: an exception nobody mapped ends in a 500 problem+json with code <c>internal_error</c> (and a
/// log line naming only the exception type and the request id), never in an empty 500 or a half-forwarded request.
/// A request the client already abandoned is left alone.
/// </summary>
internal sealed partial class UnhandledExceptionMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ILogger<UnhandledExceptionMiddleware> _logger;

    public UnhandledExceptionMiddleware(RequestDelegate next, ILogger<UnhandledExceptionMiddleware> logger)
    {
        _next = next;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await _next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
#pragma warning disable CA1031 // Any exception: the point is that none escapes as an unexplained 500.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // Exception messages can quote request content; log the type and where it came from only.
            LogUnhandled(_logger, ex.GetType().FullName ?? ex.GetType().Name, ex.TargetSite?.DeclaringType?.FullName ?? "unknown", context.TraceIdentifier);
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await ProblemWriter.WriteAsync(context, GatewayProblem.InternalError);
            }
        }
    }

    [LoggerMessage(EventId = LogEvents.UnhandledException, Level = LogLevel.Error, Message = "Unhandled {ExceptionType} in {Source} for request {RequestId}; answered 500 internal_error")]
    private static partial void LogUnhandled(ILogger logger, string exceptionType, string source, string requestId);
}
