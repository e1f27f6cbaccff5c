using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Testing;

/// <summary>
/// The whole local product as real processes on free loopback ports: LocalAws (with dynalite), the sample Applications
/// API and the gateway (both built, <c>ASPNETCORE_ENVIRONMENT=Local</c>), wired with <see cref="TopologyEnvironment"/>'s
/// overrides, the same ones run.sh sets. Dispose stops everything it started, gateway first.
/// <code>
/// await using var topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
/// {
///     GatewayEnvironment = new Dictionary&lt;string, string?&gt; { ["TenantIsolation__CredentialScope"] = "User" },
/// });
/// using var client = topology.CreateGatewayClient();
/// var token = await topology.Aws.MintTokenAsync("alice");
/// </code>
/// </summary>
public sealed class GatewayTopology : IAsyncDisposable
{
    private readonly List<(string Name, IAsyncDisposable Process)> _owned = [];
    private readonly Dictionary<string, ITopologyBackend> _backends = new(StringComparer.Ordinal);
    private LocalAwsHost? _aws;
    private LocalAwsHostOptions _awsOptions = new();
    private RedisHost? _redis;
    private ProcessHost? _sampleApi;
    private readonly List<ProcessHost> _gateways = [];
    private readonly List<Uri> _gatewayUrls = [];
    private ProcessHost? _gateway;
    private Uri? _gatewayUrl;

    private GatewayTopology()
    {
    }

    /// <summary>LocalAws: STS, IAM-enforcing DynamoDB, dev tokens (<see cref="LocalAwsHost.MintTokenAsync"/>).</summary>
    public LocalAwsHost Aws => _aws ?? throw new InvalidOperationException("LocalAws is not started.");

    /// <summary>The sample Applications API; throws when a test backend replaced it.</summary>
    public ProcessHost SampleApi => _sampleApi ?? throw new InvalidOperationException("The sample Applications API was not started (a backend replaced it).");

    /// <summary>The gateway; throws when <see cref="GatewayTopologyOptions.StartGateway"/> was false.</summary>
    public ProcessHost Gateway => _gateway ?? throw new InvalidOperationException("The gateway was not started (StartGateway = false).");

    /// <summary><c>http://127.0.0.1:PORT/</c> of the gateway.</summary>
    public Uri GatewayUrl => _gatewayUrl ?? throw new InvalidOperationException("The gateway was not started (StartGateway = false).");

    /// <summary>Every gateway instance (<see cref="GatewayTopologyOptions.Instances"/>); the first is <see cref="Gateway"/>.</summary>
    public IReadOnlyList<ProcessHost> Gateways => _gateways;

    /// <summary><c>http://127.0.0.1:PORT/</c> of every gateway instance, in <see cref="Gateways"/> order.</summary>
    public IReadOnlyList<Uri> GatewayUrls => _gatewayUrls;

    /// <summary>The redis-server of the shared cache tier; throws when the topology has none.</summary>
    public RedisHost Redis => _redis ?? throw new InvalidOperationException("No Redis: set Instances > 1 or SharedCache.");

    /// <summary>Id and base64 material of the sealing key every instance uses (fleet mode).</summary>
    public (string Id, string Key) SealingKey { get; } = ("test-k1", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    /// <summary><c>http://127.0.0.1:PORT/</c> of the applications cluster's backend (the sample API or its replacement).</summary>
    public Uri ApplicationsUrl { get; private set; } = null!;

    /// <summary>The backends from <see cref="GatewayTopologyOptions.Backends"/>, by cluster id.</summary>
    public IReadOnlyDictionary<string, ITopologyBackend> Backends => _backends;

    /// <summary>The captured output tail of every process started, each under a header line (for failure messages).</summary>
    public string Output
    {
        get
        {
            var text = new StringBuilder();
            foreach (var (name, process) in _owned)
            {
                var output = process switch
                {
                    LocalAwsHost aws => aws.Output,
                    ProcessHost host => host.Output,
                    _ => null,
                };
                if (output is not null)
                {
                    text.Append("--- ").Append(name).AppendLine(" ---").AppendLine(output);
                }
            }

            return text.ToString();
        }
    }

    /// <summary>Starts LocalAws, runs the seeding hook, starts the backends and the gateway; on failure stops what was started and rethrows.</summary>
    public static async Task<GatewayTopology> StartAsync(GatewayTopologyOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new GatewayTopologyOptions();
        var topology = new GatewayTopology();
        try
        {
            await topology.StartCoreAsync(options, cancellationToken).ConfigureAwait(false);
            return topology;
        }
        catch
        {
            await topology.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A client for the gateway (base address <see cref="GatewayUrl"/>); the caller disposes it.</summary>
    public HttpClient CreateGatewayClient(TimeSpan? timeout = null) =>
        new() { BaseAddress = GatewayUrl, Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    /// <summary>A client for gateway instance <paramref name="instance"/> (0-based); the caller disposes it.</summary>
    public HttpClient CreateGatewayClient(int instance, TimeSpan? timeout = null) =>
        new() { BaseAddress = GatewayUrls[instance], Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    /// <summary>The gateway's environment for the shared cache tier (Redis connection and sealing key).</summary>
    public IReadOnlyDictionary<string, string?> SharedCacheEnvironment() => new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["TenantIsolation__SharedCache__Redis"] = Redis.ConnectionString,
        ["TenantIsolation__SharedCache__Sealing__ActiveKeyId"] = SealingKey.Id,
        [$"TenantIsolation__SharedCache__Sealing__Keys__{SealingKey.Id}"] = SealingKey.Key,
    };

    /// <summary>
    /// Stops LocalAws and starts it again on the same port with the same options (the gateway and the backends keep pointing
    /// at it): it forgets every STS session it issued (credentials the gateway cached are rejected from then on), its dev
    /// token signing key (mint new tokens) and, unless <see cref="LocalAwsHostOptions.DataDirectory"/> is set, its items
    /// (the demo seed is written again).
    /// </summary>
    public async Task RestartLocalAwsAsync(CancellationToken cancellationToken = default)
    {
        var old = Aws;
        var index = _owned.FindIndex(o => ReferenceEquals(o.Process, old));
        await old.DisposeAsync().ConfigureAwait(false);
        _aws = await LocalAwsHost.StartAsync(_awsOptions with { Port = old.Port }, cancellationToken).ConfigureAwait(false);
        _owned[index] = ("LocalAws", _aws);
    }

    /// <summary>Stops everything started, in reverse order: gateway, backends, LocalAws (and with it dynalite).</summary>
    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].Process.DisposeAsync().ConfigureAwait(false);
        }

        _owned.Clear();
    }

    private async Task StartCoreAsync(GatewayTopologyOptions options, CancellationToken cancellationToken)
    {
        options.Progress?.Invoke("Starting LocalAws (with dynalite)");
        _awsOptions = options.LocalAws;
        _aws = await LocalAwsHost.StartAsync(options.LocalAws, cancellationToken).ConfigureAwait(false);
        _owned.Add(("LocalAws", _aws));
        if (options.SeedAsync is not null)
        {
            await options.SeedAsync(_aws, cancellationToken).ConfigureAwait(false);
        }

        foreach (var (cluster, start) in options.Backends)
        {
            options.Progress?.Invoke($"Starting the {cluster} backend");
            var backend = await start(cancellationToken).ConfigureAwait(false);
            _owned.Add((cluster, backend));
            _backends.Add(cluster, backend);
        }

        if (_backends.TryGetValue(TopologyEnvironment.ApplicationsCluster, out var replacement))
        {
            ApplicationsUrl = replacement.Address;
        }
        else
        {
            ApplicationsUrl = LoopbackUrl(FreePort.Next());
            options.Progress?.Invoke($"Starting the sample Applications API on {ApplicationsUrl}");
            _sampleApi = await StartDotnetAsync(
                "Applications.Api",
                Built.Dll("samples/Applications.Api", "Applications.Api"),
                ApplicationsUrl,
                Merge(TopologyEnvironment.SampleApi(_aws.Url), options.SampleApiEnvironment),
                "healthz",
                options.StartTimeout,
                cancellationToken).ConfigureAwait(false);
        }

        if (!options.StartGateway)
        {
            return;
        }

        var destinations = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (cluster, backend) in _backends)
        {
            destinations[TopologyEnvironment.ClusterDestination(cluster)] = backend.Address.ToString();
        }

        var fleet = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (options.Instances > 1 || options.SharedCache)
        {
            options.Progress?.Invoke("Starting redis-server");
            _redis = await RedisHost.StartAsync(cancellationToken).ConfigureAwait(false);
            _owned.Add(("Redis", _redis));
            fleet = new Dictionary<string, string?>(SharedCacheEnvironment(), StringComparer.Ordinal);
        }

        // The instances start one after another: parallel start-ups on a small CI machine only add up to the same time.
        for (var i = 0; i < Math.Max(1, options.Instances); i++)
        {
            var gatewayUrl = LoopbackUrl(FreePort.Next());
            options.Progress?.Invoke($"Starting gateway instance {i + 1} on {gatewayUrl}");
            var gateway = await StartDotnetAsync(
                i == 0 ? "Gateway" : string.Create(CultureInfo.InvariantCulture, $"Gateway #{i + 1}"),
                Built.Dll("src/Gateway", "Gateway"),
                gatewayUrl,
                Merge(TopologyEnvironment.Gateway(_aws.Url, ApplicationsUrl), destinations, fleet, options.GatewayEnvironment),
                "readyz",
                options.StartTimeout,
                cancellationToken,
                options.GatewayWorkingDirectory).ConfigureAwait(false);
            _gateways.Add(gateway);
            _gatewayUrls.Add(gatewayUrl);
        }

        _gateway = _gateways[0];
        _gatewayUrl = _gatewayUrls[0];
    }

    private async Task<ProcessHost> StartDotnetAsync(
        string name,
        string dll,
        Uri url,
        Dictionary<string, string?> environment,
        string readyPath,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        string? workingDirectory = null)
    {
        var process = await ProcessHost.StartDotnetAsync(
            dll,
            ["--urls", TopologyEnvironment.Origin(url)],
            environment,
            workingDirectory ?? RepoPaths.Root,
            readyLine: null,
            readyUrl: new Uri(url, readyPath),
            timeout,
            cancellationToken).ConfigureAwait(false);
        _owned.Add((name, process));
        return process;
    }

    /// <summary>The shared overrides, then each set of extras in order (later wins; a null value removes the variable).</summary>
    private static Dictionary<string, string?> Merge(IReadOnlyDictionary<string, string> shared, params IReadOnlyDictionary<string, string?>[] extras)
    {
        var merged = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in shared)
        {
            merged[key] = value;
        }

        foreach (var extra in extras)
        {
            foreach (var (key, value) in extra)
            {
                merged[key] = value;
            }
        }

        return merged;
    }

    private static Uri LoopbackUrl(int port) => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
}
