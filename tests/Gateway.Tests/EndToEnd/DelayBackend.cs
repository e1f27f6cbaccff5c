using System.Globalization;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// An in-test HTTP backend that answers 200 <c>ok</c>, after <c>?delayMs=N</c> milliseconds when asked; a delayed
/// request is announced in <see cref="DelayedRequestArrived"/> when it arrives (so a test knows it is in flight).
/// </summary>
public sealed class DelayBackend : ITopologyBackend
{
    private LoopbackApp? _app;

    private DelayBackend()
    {
    }

    public int Port => _app!.Port;

    public Uri Address => _app!.Address;

    public TaskCompletionSource DelayedRequestArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<DelayBackend> StartAsync()
    {
        var backend = new DelayBackend();
        backend._app = await LoopbackApp.StartAsync(app => app.Run(async context =>
        {
            if (int.TryParse(context.Request.Query["delayMs"], NumberStyles.None, CultureInfo.InvariantCulture, out var delayMs))
            {
                backend.DelayedRequestArrived.TrySetResult();
                await Task.Delay(delayMs, context.RequestAborted);
            }

            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("ok");
        }));
        return backend;
    }

    public ValueTask DisposeAsync() => _app?.DisposeAsync() ?? ValueTask.CompletedTask;
}
