using Gateway.Testing;
using LoadTests.Cli;
using LoadTests.Progress;

namespace LoadTests.Topology;

/// <summary>
/// Starts LocalAws, the sample API and the gateway as real processes on free 127.0.0.1 ports with Gateway.Testing's
/// <see cref="GatewayTopology"/> (the same env overrides as run.sh, <see cref="TopologyEnvironment"/>), or uses the URLs
/// given on the command line; what it started is stopped when the topology is disposed.
/// </summary>
internal static class TopologyStarter
{
    /// <summary>
    /// Extra settings for a started process, for experiments: <c>LOADTESTS_GATEWAY__Logging__LogLevel__Default=Warning</c>
    /// reaches the gateway as <c>Logging__LogLevel__Default=Warning</c> (same for <c>LOADTESTS_BACKEND__</c>).
    /// </summary>
    internal static IEnumerable<KeyValuePair<string, string?>> Passthrough(string prefix) =>
        Environment.GetEnvironmentVariables().Keys.OfType<string>()
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k.Length > prefix.Length)
            .Select(k => new KeyValuePair<string, string?>(k[prefix.Length..], Environment.GetEnvironmentVariable(k)));

    public static async Task<Topology> StartAsync(RunOptions options, IRunProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        if (options is { GatewayUrl: { } g, BackendUrl: { } b, LocalAwsUrl: { } l })
        {
            progress.Note($"Using running topology: LocalAws {l}, backend {b}, gateway {g}");
            return new Topology(l, b, g, []);
        }

        var started = await GatewayTopology.StartAsync(
            new GatewayTopologyOptions
            {
                SampleApiEnvironment = new Dictionary<string, string?>(Passthrough("LOADTESTS_BACKEND__"), StringComparer.Ordinal),
                GatewayEnvironment = new Dictionary<string, string?>(Passthrough("LOADTESTS_GATEWAY__"), StringComparer.Ordinal),
                StartTimeout = TimeSpan.FromSeconds(60),
                Progress = progress.Note,
            },
            cancellationToken).ConfigureAwait(false);
        return new Topology(started.Aws.Url, started.ApplicationsUrl, started.GatewayUrl, [started]);
    }
}
