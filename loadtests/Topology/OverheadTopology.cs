using System.Globalization;
using Gateway.Testing;

namespace LoadTests.Topology;

/// <summary>
/// The overhead scenario's extra processes, each on its own free 127.0.0.1 port: the trivial backend, plain YARP in
/// front of it and in front of the sample API (<c>tools/PlainYarp</c>), and a second gateway whose applications cluster
/// is the trivial backend (the same build, configuration and LocalAws as the main gateway). The main gateway + sample
/// API are the topology's. Stopped in reverse start order on dispose.
/// </summary>
internal sealed class OverheadTopology : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private OverheadTopology()
    {
    }

    public BaselineProxy TrivialBackend { get; private set; } = null!;

    public BaselineProxy YarpToTrivial { get; private set; } = null!;

    public BaselineProxy YarpToSample { get; private set; } = null!;

    /// <summary>Plain YARP in front of the trivial backend adding one constant envelope-sized header; null until <see cref="StartHeaderProxyAsync"/>.</summary>
    public BaselineProxy? YarpHeaderToTrivial { get; private set; }

    /// <summary>The gateway in front of the trivial backend.</summary>
    public Uri GatewayToTrivial { get; private set; } = null!;

    /// <summary>
    /// Starts the extra processes. <paramref name="http2"/>: plain YARP and the second gateway reach the trivial backend
    /// over cleartext HTTP/2 (prior knowledge, on its HTTP/2-only listener; the gateway through YARP's cluster setting
    /// <c>HttpRequest:Version</c> 2.0 + <c>VersionPolicy</c> RequestVersionExact); the sample API stays on HTTP/1.1.
    /// <paramref name="gatewayEnvironment"/> reaches the second gateway.
    /// </summary>
    public static async Task<OverheadTopology> StartAsync(
        Uri localAws, Uri sampleApi, bool http2, IReadOnlyDictionary<string, string?> gatewayEnvironment, Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(localAws);
        ArgumentNullException.ThrowIfNull(sampleApi);
        ArgumentNullException.ThrowIfNull(gatewayEnvironment);
        ArgumentNullException.ThrowIfNull(progress);
        var topology = new OverheadTopology();
        try
        {
            progress("Starting the trivial backend and plain YARP (tools/PlainYarp) in front of it and of the sample API");
            topology.TrivialBackend = topology.Own(await BaselineProxy.StartTrivialBackendAsync(cancellationToken, http2 ? FreePort.Next() : null).ConfigureAwait(false));
            var trivial = topology.TrivialBackend.H2cUrl ?? topology.TrivialBackend.Url;
            topology.YarpToTrivial = topology.Own(await BaselineProxy.StartProxyAsync(trivial, http2, cancellationToken).ConfigureAwait(false));
            topology.YarpToSample = topology.Own(await BaselineProxy.StartProxyAsync(sampleApi, http2: false, cancellationToken).ConfigureAwait(false));

            var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePort.Next()}/"));
            progress($"Starting a second gateway on {url} in front of the trivial backend");
            var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (key, value) in TopologyEnvironment.Gateway(localAws, trivial))
            {
                environment[key] = value;
            }

            if (http2)
            {
                environment[$"ReverseProxy__Clusters__{TopologyEnvironment.ApplicationsCluster}__HttpRequest__Version"] = "2.0";
                environment[$"ReverseProxy__Clusters__{TopologyEnvironment.ApplicationsCluster}__HttpRequest__VersionPolicy"] = "RequestVersionExact";
            }

            foreach (var (key, value) in gatewayEnvironment)
            {
                environment[key] = value;
            }

            topology.Own(await ProcessHost.StartDotnetAsync(
                Built.Dll("src/Gateway", "Gateway"),
                ["--urls", TopologyEnvironment.Origin(url)],
                environment,
                RepoPaths.Root,
                readyLine: null,
                readyUrl: new Uri(url, "readyz"),
                TimeSpan.FromSeconds(60),
                cancellationToken).ConfigureAwait(false));
            topology.GatewayToTrivial = url;
            return topology;
        }
        catch
        {
            await topology.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts plain YARP in front of the trivial backend with one constant <c>X-Tenant-Context</c> of
    /// <paramref name="headerBytes"/> bytes (the size the gateway sends, read from the trivial backend once the gateway
    /// has forwarded a request): the design's ceiling — YARP doing nothing but adding the envelope's bytes.
    /// </summary>
    public async Task<BaselineProxy> StartHeaderProxyAsync(int headerBytes, bool http2, CancellationToken cancellationToken)
    {
        var trivial = TrivialBackend.H2cUrl ?? TrivialBackend.Url;
        YarpHeaderToTrivial = Own(await BaselineProxy.StartProxyAsync(trivial, http2, cancellationToken, headerBytes).ConfigureAwait(false));
        return YarpHeaderToTrivial;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync().ConfigureAwait(false);
        }

        _owned.Clear();
    }

    private T Own<T>(T process)
        where T : IAsyncDisposable
    {
        _owned.Add(process);
        return process;
    }
}
