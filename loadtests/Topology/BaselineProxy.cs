using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;

namespace LoadTests.Topology;

/// <summary>
/// The overhead scenario's baseline: plain YARP passthrough (one catch-all route, one destination, no transforms beyond
/// YARP's defaults) hosted in the runner on a free 127.0.0.1 port.
/// </summary>
internal sealed class BaselineProxy : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BaselineProxy(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<BaselineProxy> StartAsync(Uri destination, int port, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        builder.Services.AddReverseProxy().LoadFromMemory(
            [new RouteConfig { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "{**catch-all}" } }],
            [
                new ClusterConfig
                {
                    ClusterId = "backend",
                    Destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal)
                    {
                        ["d1"] = new DestinationConfig { Address = destination.ToString() },
                    },
                },
            ]);
        var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new BaselineProxy(app, new Uri($"http://127.0.0.1:{port}/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
