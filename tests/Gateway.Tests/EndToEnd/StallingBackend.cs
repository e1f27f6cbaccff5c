using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// An in-test HTTP backend that answers <c>/ok</c> at once (the allow twin), never answers <c>/hang</c>, on
/// <c>/stall-headers</c> sends the response headers and then stalls, and on <c>/stall-body</c> sends the headers and the
/// first 10 of 100 body bytes, then stalls — for the forwarding-timeout tests.
/// </summary>
public sealed class StallingBackend : ITopologyBackend
{
    private LoopbackApp? _app;
    private int _received;

    private StallingBackend()
    {
    }

    public int Port => _app!.Port;

    public Uri Address => _app!.Address;

    /// <summary>Requests that reached this backend.</summary>
    public int Received => Volatile.Read(ref _received);

    public static async Task<StallingBackend> StartAsync()
    {
        var backend = new StallingBackend();
        backend._app = await LoopbackApp.StartAsync(app => app.Run(async context =>
        {
            Interlocked.Increment(ref backend._received);
            var path = context.Request.Path.Value ?? string.Empty;
            try
            {
                if (path.EndsWith("/hang", StringComparison.Ordinal))
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                else if (path.EndsWith("/stall-headers", StringComparison.Ordinal))
                {
                    context.Response.ContentType = "application/octet-stream";
                    context.Response.ContentLength = 100;
                    await context.Response.StartAsync(context.RequestAborted);
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                else if (path.EndsWith("/stall-body", StringComparison.Ordinal))
                {
                    context.Response.ContentType = "application/octet-stream";
                    context.Response.ContentLength = 100;
                    await context.Response.Body.WriteAsync(new byte[10], context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                else
                {
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync("{\"ok\":true}", context.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
                // the gateway gave up (its forwarding timeout) or the test ended
            }
        }));
        return backend;
    }

    public ValueTask DisposeAsync() => _app?.DisposeAsync() ?? ValueTask.CompletedTask;
}
