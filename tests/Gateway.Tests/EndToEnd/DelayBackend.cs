using System.Globalization;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// An in-test HTTP backend that answers 200 <c>ok</c>, after <c>?delayMs=N</c> milliseconds when asked; a delayed
/// request is announced in <see cref="DelayedRequestArrived"/> when it arrives (so a test knows it is in flight).
/// </summary>
public sealed class DelayBackend : ITopologyBackend
{
    private readonly WebApplication _app;

    private DelayBackend(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}/");

    public TaskCompletionSource DelayedRequestArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<DelayBackend> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var backend = new DelayBackend(app, port);
        app.Run(async context =>
        {
            if (int.TryParse(context.Request.Query["delayMs"], NumberStyles.None, CultureInfo.InvariantCulture, out var delayMs))
            {
                backend.DelayedRequestArrived.TrySetResult();
                await Task.Delay(delayMs, context.RequestAborted);
            }

            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("ok");
        });
        await app.StartAsync();
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
