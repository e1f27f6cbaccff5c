using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.EndToEnd;

/// <summary>An in-test HTTP backend whose answers wait until the test opens <see cref="Gate"/> (requests in flight on demand).</summary>
public sealed class HoldBackend : ITopologyBackend
{
    private readonly WebApplication _app;
    private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _received;

    private HoldBackend(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}/");

    /// <summary>Requests that reached the backend.</summary>
    public int Received => Volatile.Read(ref _received);

    /// <summary>Lets every waiting request answer 200 and closes the gate again for the next ones.</summary>
    public void Release() => Interlocked.Exchange(ref _gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();

    public static async Task<HoldBackend> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var backend = new HoldBackend(app, port);
        app.Run(async context =>
        {
            Interlocked.Increment(ref backend._received);
            await Volatile.Read(ref backend._gate).Task.WaitAsync(TimeSpan.FromSeconds(30));
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"held\":true}");
        });
        await app.StartAsync();
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
