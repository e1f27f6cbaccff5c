using System.Collections.Concurrent;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.EndToEnd;

/// <summary>An in-test HTTP backend that records every request's headers exactly as the gateway forwarded them.</summary>
public sealed class EchoBackend : ITopologyBackend
{
    private LoopbackApp? _app;

    private EchoBackend()
    {
    }

    public int Port => _app!.Port;

    public Uri Address => _app!.Address;

    public ConcurrentQueue<IReadOnlyDictionary<string, string[]>> Received { get; } = new();

    public static async Task<EchoBackend> StartAsync()
    {
        var echo = new EchoBackend();
        echo._app = await LoopbackApp.StartAsync(app => app.Run(async context =>
        {
            echo.Received.Enqueue(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.Select(v => v ?? string.Empty).ToArray(), StringComparer.OrdinalIgnoreCase));
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"echo\":true}");
        }));
        return echo;
    }

    public ValueTask DisposeAsync() => _app?.DisposeAsync() ?? ValueTask.CompletedTask;
}
