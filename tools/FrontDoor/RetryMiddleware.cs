using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace FrontDoor;

/// <summary>
/// Sends an idempotent request without a body again, to another destination, when the one chosen refused the connection
/// or dropped it before any response byte (<see cref="ForwarderError.Request"/>: a stopping or dead instance). At most
/// once per other destination; never after the response started, never a request with a body (it cannot be replayed),
/// never a non-idempotent method (the instance may have acted on it before it went away).
/// </summary>
internal sealed partial class RetryMiddleware(RequestDelegate next, ILogger<RetryMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        var tried = new List<DestinationState>();
        while (true)
        {
            await next(context);
            var error = context.GetForwarderErrorFeature();
            if (error is null || error.Error != ForwarderError.Request || context.Response.HasStarted || !IsReplayable(context.Request)
                || proxy.ProxiedDestination is not { } failed)
            {
                return;
            }

            tried.Add(failed);
            var remaining = proxy.AvailableDestinations.Where(d => !tried.Contains(d)).ToList();
            if (remaining.Count == 0)
            {
                remaining = proxy.AllDestinations.Where(d => !tried.Contains(d)).ToList();
            }

            if (remaining.Count == 0)
            {
                return;
            }

            LogRetry(logger, context.Request.Method, context.Request.Path.Value, failed.DestinationId, error.Exception?.GetType().Name);
            proxy.AvailableDestinations = remaining;
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status200OK;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Retrying {Method} {Path}: destination {Destination} failed before answering ({Error}).")]
    private static partial void LogRetry(ILogger logger, string method, string? path, string destination, string? error);

    private static bool IsReplayable(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || HttpMethods.IsPut(request.Method) || HttpMethods.IsDelete(request.Method))
        && request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true
        && request.ContentLength is null or 0
        && !request.Headers.ContainsKey("Transfer-Encoding");
}
