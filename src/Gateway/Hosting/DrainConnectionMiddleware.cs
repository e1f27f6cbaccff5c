namespace Gateway.Hosting;

/// <summary>
/// While the gateway drains (<see cref="GracefulShutdown"/>), every HTTP/1.x response carries <c>Connection: close</c>,
/// so a keep-alive client opens its next connection elsewhere (through its load balancer) instead of sending it to a
/// port that is about to close. Decided when the response starts: a request that began before SIGTERM and answers
/// during the drain closes its connection too. Protocol switches (101) are left alone. HTTP/2 connections get
/// Kestrel's GOAWAY when it stops accepting.
/// </summary>
internal sealed class DrainConnectionMiddleware
{
    private readonly RequestDelegate _next;
    private readonly GracefulShutdown _shutdown;
    private readonly Func<object, Task> _closeWhenDraining;

    public DrainConnectionMiddleware(RequestDelegate next, GracefulShutdown shutdown)
    {
        _next = next;
        _shutdown = shutdown;
        _closeWhenDraining = CloseWhenDraining;
    }

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            context.Response.OnStarting(_closeWhenDraining, context);
        }

        return _next(context);
    }

    private Task CloseWhenDraining(object state)
    {
        var response = ((HttpContext)state).Response;
        if (_shutdown.IsDraining && response.StatusCode != StatusCodes.Status101SwitchingProtocols)
        {
            response.Headers.Connection = "close";
        }

        return Task.CompletedTask;
    }
}
