using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.EndToEnd;

/// <summary>An in-test HTTP backend whose answers wait until the test calls <see cref="Release"/> (requests in flight on demand).</summary>
public sealed class HoldBackend : ITopologyBackend
{
    private LoopbackApp? _app;
    private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _received;

    private HoldBackend()
    {
    }

    public int Port => _app!.Port;

    public Uri Address => _app!.Address;

    /// <summary>Requests that reached the backend.</summary>
    public int Received => Volatile.Read(ref _received);

    /// <summary>Lets every waiting request answer 200 and closes the gate again for the next ones.</summary>
    public void Release() => Interlocked.Exchange(ref _gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();

    public static async Task<HoldBackend> StartAsync()
    {
        var backend = new HoldBackend();
        backend._app = await LoopbackApp.StartAsync(app => app.Run(async context =>
        {
            Interlocked.Increment(ref backend._received);
            await Volatile.Read(ref backend._gate).Task.WaitAsync(TimeSpan.FromSeconds(30));
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"held\":true}");
        }));
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
