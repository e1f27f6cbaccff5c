using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// An in-test HTTP backend that answers <c>/ok</c> at once (the allow twin), never answers <c>/hang</c>, on
/// <c>/stall-headers</c> sends the response headers and then stalls, and on <c>/stall-body</c> sends the headers and the
/// first 10 of 100 body bytes, then stalls — for the forwarding-timeout tests.
/// </summary>
public sealed class StallingBackend : ITopologyBackend
{
    private readonly WebApplication _app;
    private int _received;

    private StallingBackend(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}/");

    /// <summary>Requests that reached this backend.</summary>
    public int Received => Volatile.Read(ref _received);

    public static async Task<StallingBackend> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var backend = new StallingBackend(app, port);
        app.Run(async context =>
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
        });
        await app.StartAsync();
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
