namespace Gateway.Testing;

/// <summary>How <see cref="GatewayTopology"/> starts LocalAws, the backends and the gateway.</summary>
public sealed record GatewayTopologyOptions
{
    /// <summary>How LocalAws starts (seeded demo data by default).</summary>
    public LocalAwsHostOptions LocalAws { get; init; } = new();

    /// <summary>Seeding hook: runs once LocalAws is ready, before any backend or the gateway starts.</summary>
    public Func<LocalAwsHost, CancellationToken, Task>? SeedAsync { get; init; }

    /// <summary>
    /// Backends the test provides, by gateway cluster id: each is started (in order) after seeding and the cluster's
    /// destination is pointed at it. A backend for <see cref="TopologyEnvironment.ApplicationsCluster"/> replaces the
    /// sample Applications API. Routes to other clusters go into <see cref="GatewayEnvironment"/>.
    /// </summary>
    public IReadOnlyDictionary<string, Func<CancellationToken, Task<ITopologyBackend>>> Backends { get; init; } =
        new Dictionary<string, Func<CancellationToken, Task<ITopologyBackend>>>();

    /// <summary>Extra environment for the sample API, applied over <see cref="TopologyEnvironment.SampleApi"/> (a null value removes a variable).</summary>
    public IReadOnlyDictionary<string, string?> SampleApiEnvironment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Start the gateway (default true); false gives LocalAws and the backends only.</summary>
    public bool StartGateway { get; init; } = true;

    /// <summary>Extra environment for the gateway, applied over <see cref="TopologyEnvironment.Gateway"/> and the backends' destinations (a null value removes a variable).</summary>
    public IReadOnlyDictionary<string, string?> GatewayEnvironment { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// The gateway's working directory, which is its content root: where it reads <c>appsettings.json</c> and
    /// <c>appsettings.Local.json</c> (and watches them for reloads). Default: the repository root.
    /// </summary>
    public string? GatewayWorkingDirectory { get; init; }

    /// <summary>
    /// Gateway instances (default 1). With more than one, or with <see cref="SharedCache"/>, a redis-server is started
    /// and every instance joins the shared cache tier with one sealing key (<see cref="GatewayTopology.SealingKey"/>).
    /// </summary>
    public int Instances { get; init; } = 1;

    /// <summary>Start Redis and configure the shared cache tier even for one instance.</summary>
    public bool SharedCache { get; init; }

    /// <summary>Start-up limit per process (LocalAws has its own in <see cref="LocalAwsHostOptions.StartTimeout"/>).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Called with a line before each process starts (e.g. a load-test runner's progress display).</summary>
    public Action<string>? Progress { get; init; }
}
