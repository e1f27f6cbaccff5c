using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// A minimal ASP.NET Core app on a free loopback port, without logging: the in-test backends and receivers are built on
/// it. Stopping is bounded (5 s), so a request the test left hanging cannot hold a test's disposal.
/// </summary>
public sealed class LoopbackApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackApp(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Address => new($"http://127.0.0.1:{Port}/");

    /// <summary>Starts an app on a free port; <paramref name="map"/> adds its endpoints (or <c>Run</c>) before it starts.</summary>
    /// <param name="configure">Adds services before the app is built (e.g. <c>AddTenantContext</c>); none when null.</param>
    /// <param name="environment">The host environment's name (default Production).</param>
    public static async Task<LoopbackApp> StartAsync(Action<WebApplication> map, Action<WebApplicationBuilder>? configure = null, string? environment = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        configure?.Invoke(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return new LoopbackApp(app, port);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
