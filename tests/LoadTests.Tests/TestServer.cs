using System.Net;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LoadTests.Tests;

/// <summary>An in-process Kestrel endpoint on 127.0.0.1 for engine tests.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SemaphoreSlim _serial = new(1, 1);
    private int _concurrent;
    private int _maxConcurrent;
    private long _requests;

    private TestServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public long Requests => Interlocked.Read(ref _requests);

    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

    public static async Task<TestServer> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var server = new TestServer(app, new Uri($"http://127.0.0.1:{port}/"));
        app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref server._requests);
            var now = Interlocked.Increment(ref server._concurrent);
            int seen;
            while (now > (seen = Volatile.Read(ref server._maxConcurrent)) && Interlocked.CompareExchange(ref server._maxConcurrent, now, seen) != seen)
            {
            }

            try
            {
                await next(context);
            }
            finally
            {
                Interlocked.Decrement(ref server._concurrent);
            }
        });
        app.MapGet("/ok", () => "ok");
        app.MapGet("/delay/{ms:int}", async (int ms) =>
        {
            await Task.Delay(ms);
            return "done";
        });
        app.MapGet("/serial/{ms:int}", async (int ms) =>
        {
            await server._serial.WaitAsync();
            try
            {
                await Task.Delay(ms);
            }
            finally
            {
                server._serial.Release();
            }

            return "done";
        });
        app.MapGet("/hang", async (HttpContext context) =>
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
            return "never";
        });
        app.MapGet("/problem/{status:int}/{code}", async (HttpContext context, int status, string code) =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync($$"""{"status":{{status}},"code":"{{code}}"}""");
        });
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _serial.Dispose();
    }
}
