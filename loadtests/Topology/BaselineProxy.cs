using System.Globalization;
using Gateway.Testing;

namespace LoadTests.Topology;

/// <summary>
/// A process of <c>tools/PlainYarp</c> on a free 127.0.0.1 port, started like the gateway (built dll, repository root as
/// working directory) and stopped on dispose: the overhead scenario's plain YARP 2.3 baseline (<see cref="StartProxyAsync"/>)
/// or its trivial backend (<see cref="StartTrivialBackendAsync"/>). Both serve their allocated bytes and CPU time at
/// <see cref="MetricsPath"/> for <see cref="ProcessCounters"/>.
/// </summary>
internal sealed class BaselineProxy : IAsyncDisposable
{
    /// <summary>Where PlainYarp serves its process counters (the gateway's are in its own <c>/metrics</c>).</summary>
    public const string MetricsPath = "/_baseline/metrics";

    /// <summary>The largest constant header PlainYarp adds (its <c>--constant-header-bytes</c> limit).</summary>
    public const int MaxConstantHeaderBytes = 16_384;

    private readonly ProcessHost _process;

    private BaselineProxy(ProcessHost process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }

    public Uri MetricsUrl => new(Url, MetricsPath);

    public int ProcessId => _process.ProcessId;

    public string Output => _process.Output;

    /// <summary>
    /// Plain YARP: one catch-all route to <paramref name="destination"/>; <paramref name="http2"/> forwards with HTTP/2 prior
    /// knowledge; <paramref name="constantHeaderBytes"/> adds one constant <c>X-Tenant-Context</c> of that many bytes to
    /// every forwarded request (YARP's stock request-header transform).
    /// </summary>
    public static Task<BaselineProxy> StartProxyAsync(Uri destination, bool http2, CancellationToken cancellationToken, int? constantHeaderBytes = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        List<string> args = ["--destination", destination.ToString()];
        if (http2)
        {
            args.Add("--http2");
        }

        if (constantHeaderBytes is { } bytes)
        {
            args.Add("--constant-header-bytes");
            args.Add(bytes.ToString(CultureInfo.InvariantCulture));
        }

        return StartAsync([.. args], cancellationToken);
    }

    /// <summary>
    /// A backend that answers every request 200 <c>ok</c>: no envelope work, so a proxy's own cost shows. With
    /// <paramref name="h2cPort"/> it also listens there for cleartext HTTP/2 (prior knowledge) only: <see cref="H2cUrl"/>.
    /// </summary>
    public static async Task<BaselineProxy> StartTrivialBackendAsync(CancellationToken cancellationToken, int? h2cPort = null)
    {
        var backend = await StartAsync(
            h2cPort is { } port ? ["--trivial-backend", "--h2c-port", port.ToString(CultureInfo.InvariantCulture)] : ["--trivial-backend"],
            cancellationToken).ConfigureAwait(false);
        backend.H2cUrl = h2cPort is { } p ? new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{p}/")) : null;
        return backend;
    }

    /// <summary>The HTTP/2-only listener of a trivial backend started with one, else null.</summary>
    public Uri? H2cUrl { get; private set; }

    private static async Task<BaselineProxy> StartAsync(string[] args, CancellationToken cancellationToken)
    {
        var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePort.Next()}/"));
        var process = await ProcessHost.StartDotnetAsync(
            Built.Dll("tools/PlainYarp", "PlainYarp"),
            ["--urls", TopologyEnvironment.Origin(url), .. args],
            new Dictionary<string, string?>(StringComparer.Ordinal),
            RepoPaths.Root,
            readyLine: null,
            readyUrl: new Uri(url, MetricsPath),
            TimeSpan.FromSeconds(60),
            cancellationToken).ConfigureAwait(false);
        return new BaselineProxy(process, url);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
