using Gateway.Testing;

namespace LoadTests.Topology;

/// <summary>
/// The system under test: LocalAws, the sample Applications API and the gateway, either started here as real processes
/// on free loopback ports (and stopped on dispose) or given by URL and left alone.
/// </summary>
internal sealed class Topology : IAsyncDisposable
{
    private readonly IReadOnlyList<IAsyncDisposable> _owned;

    public Topology(Uri localAws, Uri backend, Uri gateway, IReadOnlyList<IAsyncDisposable> owned, LocalAwsHostOptions? restartableLocalAws = null)
    {
        LocalAws = localAws;
        Backend = backend;
        Gateway = gateway;
        _owned = owned;
        RestartableLocalAws = restartableLocalAws;
    }

    /// <summary>
    /// How the started LocalAws can be started again where everything points (fixed port, its data in a directory), when
    /// the runner started it that way (<c>dependency-faults</c>); otherwise null.
    /// </summary>
    public LocalAwsHostOptions? RestartableLocalAws { get; }

    /// <summary>The LocalAws process the runner started, or null when the topology was given by URL.</summary>
    public LocalAwsHost? StartedLocalAws => _owned.OfType<GatewayTopology>().FirstOrDefault()?.Aws;

    public Uri LocalAws { get; }

    public Uri Backend { get; }

    public Uri Gateway { get; }

    public bool Started => _owned.Count > 0;

    /// <summary>The dynalite behind LocalAws when the runner started it (for the data-path breakdown), else null.</summary>
    public Uri? DynaliteUrl => _owned.OfType<GatewayTopology>().FirstOrDefault()?.Aws.DynaliteUrl;

    /// <summary>Output tail of the started processes (for diagnostics when a scenario fails unexpectedly).</summary>
    public string Diagnostics(int maxCharsPerProcess = 2000) =>
        string.Join("\n", _owned.Select(p => p switch
        {
            GatewayTopology started => started.Output,
            _ => "",
        }).Select(o => o.Length > maxCharsPerProcess ? o[^maxCharsPerProcess..] : o));

    public async ValueTask DisposeAsync()
    {
        // Stop in reverse start order (a started topology stops its gateway, backend and LocalAws in that order).
        foreach (var host in _owned.Reverse())
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }
}
