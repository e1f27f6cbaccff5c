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

        // dependency-faults restarts LocalAws under load: a fixed port (where the gateway and the sample API point) and its
        // data in a directory (organizations and memberships survive; only the in-memory STS sessions are lost, as when a
        // data store forgets sessions).
        var restartable = options.Scenario == Scenarios.DependencyFaultsScenario.ScenarioName;
        var dataDirectory = restartable ? Directory.CreateTempSubdirectory("loadtests-localaws-") : null;
        var localAws = dataDirectory is not null
            ? new LocalAwsHostOptions { Port = FreePort.Next(), DataDirectory = dataDirectory.FullName, StartTimeout = TimeSpan.FromSeconds(90) }
            : options.Scenario == Scenarios.HotTenantScenario.ScenarioName
                ? Scenarios.HotTenantScenario.LocalAwsOptions // the scaled-down per-key budget
                : new LocalAwsHostOptions();
        var gatewayEnvironment = GatewayEnvironment(options);
        try
        {
            var started = await GatewayTopology.StartAsync(
                new GatewayTopologyOptions
                {
                    LocalAws = localAws,
                    SampleApiEnvironment = new Dictionary<string, string?>(Passthrough("LOADTESTS_BACKEND__"), StringComparer.Ordinal),
                    GatewayEnvironment = gatewayEnvironment,
                    StartTimeout = TimeSpan.FromSeconds(60),
                    Progress = progress.Note,
                },
                cancellationToken).ConfigureAwait(false);
            IAsyncDisposable[] owned = dataDirectory is null ? [started] : [new DirectoryRemoval(dataDirectory), started];
            return new Topology(started.Aws.Url, started.ApplicationsUrl, started.GatewayUrl, owned, dataDirectory is null ? null : localAws);
        }
        catch
        {
            await new DirectoryRemoval(dataDirectory).DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The settings the runner gives its own gateway for <paramref name="options"/>' scenario (environment variables), then
    /// the <c>LOADTESTS_GATEWAY__</c> passthrough, which wins over them.
    /// </summary>
    internal static Dictionary<string, string?> GatewayEnvironment(RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var gatewayEnvironment = new Dictionary<string, string?>(StringComparer.Ordinal);
        void Add(IEnumerable<KeyValuePair<string, string?>> settings)
        {
            foreach (var (key, value) in settings)
            {
                gatewayEnvironment[key] = value;
            }
        }

        // dependency-faults restarts LocalAws under load (see StartAsync).
        if (options.Scenario == Scenarios.DependencyFaultsScenario.ScenarioName)
        {
            Add(Scenarios.DependencyFaultsScenario.GatewaySettings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        }

        // noisy-neighbour on one instance measures the runner's own gateway: rate limits, tiers, per-user sessions, budget.
        if (options.Scenario == Scenarios.NoisyNeighbourScenario.ScenarioName && (options.Instances ?? 1) == 1)
        {
            Add(Scenarios.NoisyNeighbourScenario.GatewaySettings(1));
        }

        // overhead measures the path as it ships: rate limiting on (a tier no phase reaches), in both of its gateways.
        if (options.Scenario == Scenarios.OverheadScenario.ScenarioName)
        {
            Add(Scenarios.OverheadScenario.GatewaySettings);
        }

        // cold measures the cold path, not the AssumeRole budget: a budget above the offered rate of new organizations.
        if (options.Scenario == Scenarios.ColdScenario.ScenarioName)
        {
            Add(Scenarios.ColdScenario.GatewaySettings(options.Rate ?? Scenarios.ColdScenario.DefaultRate));
        }

        Add(Passthrough("LOADTESTS_GATEWAY__"));
        return gatewayEnvironment;
    }

    /// <summary>Deletes a scratch directory once the processes using it were stopped (disposed after them).</summary>
    private sealed class DirectoryRemoval(DirectoryInfo? directory) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            try
            {
                directory?.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A process still holding a file: leave the temp directory to the OS.
            }
            catch (UnauthorizedAccessException)
            {
                // Same.
            }

            return ValueTask.CompletedTask;
        }
    }
}
