using System.Net;
using LoadTests.Cli;
using LoadTests.Engine;
using LoadTests.Progress;
using LoadTests.Topology;

namespace LoadTests.Scenarios;

/// <summary>What scenarios share: options, the topology, the engine, the seeder and LocalAws's control endpoints.</summary>
internal sealed class ScenarioEnvironment : IDisposable
{
    private readonly List<HttpClient> _clients = [];

    public ScenarioEnvironment(RunOptions options, Topology.Topology topology, IRunProgress progress)
    {
        Options = options;
        Topology = topology;
        Progress = progress;
        Runner = new ScenarioRunner(progress);
        Seeder = new Seeder(topology.LocalAws, progress);
        LocalAws = new LocalAwsControl(topology.LocalAws);
    }

    public RunOptions Options { get; }

    public Topology.Topology Topology { get; }

    public IRunProgress Progress { get; }

    public ScenarioRunner Runner { get; }

    public Seeder Seeder { get; }

    public LocalAwsControl LocalAws { get; }

    /// <summary>Seconds of each phase when a scenario splits the duration into <paramref name="phases"/> parts (at least 0.5 s).</summary>
    public TimeSpan PhaseDuration(int phases) => TimeSpan.FromSeconds(Math.Max(0.5, Options.Duration.TotalSeconds / phases));

    /// <summary>A load client: keep-alive pool of at most <paramref name="maxConnections"/>, no proxy, no redirects, no cookies.</summary>
    public HttpClient CreateClient(int maxConnections)
    {
        var client = CreateHttpClient(maxConnections);
        _clients.Add(client);
        return client;
    }

    internal static HttpClient CreateHttpClient(int maxConnections) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        Seeder.Dispose();
        LocalAws.Dispose();
    }
}
