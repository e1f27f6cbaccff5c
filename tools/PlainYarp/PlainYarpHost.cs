using System.Globalization;
using System.Net;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace PlainYarp;

/// <summary>
/// The overhead load test's baseline processes. <c>--destination URL</c>: plain YARP 2.3, one catch-all route to one
/// destination, no transforms beyond YARP's defaults. <c>--trivial-backend</c>: answers every request 200 <c>ok</c> (the
/// backend without envelope work). Both run on the gateway's host settings: <c>WebApplication.CreateBuilder</c>, Kestrel
/// defaults with the Server header off, server GC (non-concurrent), tiered PGO, invariant globalization. Both serve
/// <see cref="ProcessStats.Path"/> (allocated bytes and CPU time, read by the load runner before and after a phase).
/// </summary>
internal static class PlainYarpHost
{
    public const string Usage = "usage: PlainYarp --urls http://127.0.0.1:PORT (--destination http://HOST:PORT/ [--http2] [--constant-header-bytes N] | --trivial-backend [--h2c-port PORT])";

    /// <summary>The header <c>--constant-header-bytes</c> adds (the gateway's envelope header, so the backend sees the same name).</summary>
    public const string ConstantHeaderName = "X-Tenant-Context";

    /// <summary>The largest <c>--constant-header-bytes</c> (Kestrel's default request-header limit is 32 KB).</summary>
    public const int MaxConstantHeaderBytes = 16_384;

    public static async Task<int> RunAsync(string[] args, TextWriter error)
    {
        string? destination = null;
        var trivial = false;
        var http2 = false;
        int? h2cPort = null;
        int? constantHeaderBytes = null;
        var hostArgs = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--destination" when i + 1 < args.Length:
                    destination = args[++i];
                    break;
                case "--trivial-backend":
                    trivial = true;
                    break;
                case "--http2":
                    http2 = true;
                    break;
                case "--h2c-port" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536:
                    h2cPort = port;
                    i++;
                    break;
                case "--constant-header-bytes" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes is > 0 and <= MaxConstantHeaderBytes:
                    constantHeaderBytes = bytes;
                    i++;
                    break;
                case "--urls" when i + 1 < args.Length:
                    hostArgs.Add(args[i]);
                    hostArgs.Add(args[++i]);
                    break;
                default:
                    await error.WriteLineAsync($"PlainYarp: unknown or incomplete argument '{args[i]}'; {Usage}").ConfigureAwait(false);
                    return 2;
            }
        }

        if (trivial == (destination is not null) || (h2cPort is not null && !trivial) || (constantHeaderBytes is not null && trivial)
            || (destination is not null && (!Uri.TryCreate(destination, UriKind.Absolute, out var uri) || !uri.IsLoopback)))
        {
            await error.WriteLineAsync($"PlainYarp: give either --destination with a loopback http URL or --trivial-backend; {Usage}").ConfigureAwait(false);
            return 2;
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [.. hostArgs],
            // Not the repository root: the gateway's appsettings.json (with its ReverseProxy section) must not apply here.
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        // A production YARP logs warnings, not a line per request; the lifetime lines show the listening address.
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        if (destination is not null)
        {
            var proxy = builder.Services.AddReverseProxy();
            if (constantHeaderBytes is { } length)
            {
                // The design's ceiling: plain YARP plus one constant header of the envelope's size, set by a stock transform
                // (one string, built once; the header is the only per-request difference from plain YARP).
                var value = new string('e', length);
                proxy.AddTransforms(context => context.AddRequestHeader(ConstantHeaderName, value, append: false));
            }

            proxy.LoadFromMemory(
                [new RouteConfig { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "{**catch-all}" } }],
                [
                    new ClusterConfig
                    {
                        ClusterId = "backend",
                        Destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal)
                        {
                            ["d1"] = new DestinationConfig { Address = destination },
                        },
                        HttpRequest = http2
                            ? new ForwarderRequestConfig { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact }
                            : null,
                    },
                ]);
        }

        if (h2cPort is { } h2c)
        {
            // Kestrel does not serve HTTP/1.1 and cleartext HTTP/2 (prior knowledge) on one port: a second, HTTP/2-only
            // listener. Listening in code replaces --urls, so the HTTP/1.1 one (probes, counters) is listed here too.
            var http1 = new Uri(hostArgs.Count == 2 ? hostArgs[1] : "http://127.0.0.1:5000");
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.Listen(IPAddress.Loopback, http1.Port, listen => listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1);
                kestrel.Listen(IPAddress.Loopback, h2c, listen => listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
            });
        }

        await using var app = builder.Build();
        app.MapGet(ProcessStats.Path, ProcessStats.Write);
        if (destination is not null)
        {
            app.MapReverseProxy();
        }
        else
        {
            app.Run(static context =>
            {
                // app.Run is terminal and runs before the endpoints mapped above: the counters are answered here.
                if (context.Request.Path.Equals(ProcessStats.Path, StringComparison.Ordinal))
                {
                    return ProcessStats.Write(context);
                }

                ProcessStats.SawTenantContext(context.Request.Headers[ConstantHeaderName]);
                context.Response.ContentType = "text/plain";
                return context.Response.WriteAsync("ok", context.RequestAborted);
            });
        }

        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }
}
