using Gateway.Testing;
using LoadTests.Cli;
using LoadTests.Progress;

namespace LoadTests.Topology;

/// <summary>
/// Starts LocalAws, the sample API and the gateway as real processes on free 127.0.0.1 ports with the same env overrides
/// run.sh uses (see CONTRACTS.md), or uses the URLs given on the command line. LocalAws comes from Gateway.Testing's
/// <see cref="LocalAwsHost"/>, the others from its <see cref="ProcessHost"/>; all are stopped when the topology is disposed.
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

        var owned = new List<IAsyncDisposable>();
        try
        {
            var root = RepoPaths.Root;
            var backendPort = FreePort.Next();
            var gatewayPort = FreePort.Next();
            var backend = new Uri($"http://127.0.0.1:{backendPort}");
            var gateway = new Uri($"http://127.0.0.1:{gatewayPort}");

            progress.Note("Starting LocalAws (with dynalite)");
            var aws = await LocalAwsHost.StartAsync(new LocalAwsHostOptions(), cancellationToken).ConfigureAwait(false);
            owned.Add(aws);
            var localAws = aws.Url;

            progress.Note($"Starting the sample Applications API on {backend}");
            owned.Add(await ProcessHost.StartDotnetAsync(
                Built.Dll("samples/Applications.Api", "Applications.Api"),
                ["--urls", backend.ToString().TrimEnd('/')],
                new Dictionary<string, string?>(StringComparer.Ordinal)
                {
                    ["ASPNETCORE_ENVIRONMENT"] = "Local",
                    ["TenantContext__DynamoDb__ServiceUrl"] = localAws.ToString().TrimEnd('/'),
                }.Concat(Passthrough("LOADTESTS_BACKEND__")).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
                root,
                null,
                new Uri(backend, "/healthz"),
                TimeSpan.FromSeconds(60),
                cancellationToken).ConfigureAwait(false));

            progress.Note($"Starting the gateway on {gateway}");
            var localAwsText = localAws.ToString().TrimEnd('/');
            owned.Add(await ProcessHost.StartDotnetAsync(
                Built.Dll("src/Gateway", "Gateway"),
                ["--urls", gateway.ToString().TrimEnd('/')],
                new Dictionary<string, string?>(StringComparer.Ordinal)
                {
                    ["ASPNETCORE_ENVIRONMENT"] = "Local",
                    ["Authentication__Authority"] = localAwsText,
                    ["TenantIsolation__Aws__StsServiceUrl"] = localAwsText,
                    ["TenantIsolation__Aws__DynamoDbServiceUrl"] = localAwsText,
                    ["ReverseProxy__Clusters__applications__Destinations__d1__Address"] = backend.ToString(),
                }.Concat(Passthrough("LOADTESTS_GATEWAY__")).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
                root,
                null,
                new Uri(gateway, "/readyz"),
                TimeSpan.FromSeconds(60),
                cancellationToken).ConfigureAwait(false));

            return new Topology(localAws, backend, gateway, owned);
        }
        catch
        {
            foreach (var host in Enumerable.Reverse(owned))
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }
}
