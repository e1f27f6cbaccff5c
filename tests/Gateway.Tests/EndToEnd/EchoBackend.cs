using System.Collections.Concurrent;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.EndToEnd;

/// <summary>An in-test HTTP backend that records every request's headers exactly as the gateway forwarded them.</summary>
public sealed class EchoBackend : ITopologyBackend
{
    private readonly WebApplication _app;

    private EchoBackend(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}/");

    public ConcurrentQueue<IReadOnlyDictionary<string, string[]>> Received { get; } = new();

    public static async Task<EchoBackend> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var echo = new EchoBackend(app, port);
        app.Run(async context =>
        {
            echo.Received.Enqueue(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.Select(v => v ?? string.Empty).ToArray(), StringComparer.OrdinalIgnoreCase));
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"echo\":true}");
        });
        await app.StartAsync();
        return echo;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
