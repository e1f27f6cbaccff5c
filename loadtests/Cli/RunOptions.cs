namespace LoadTests.Cli;

/// <summary>Parsed command line. Null numbers mean "the scenario's default".</summary>
internal sealed record RunOptions
{
    public static readonly IReadOnlyList<string> Scenarios = ["overhead", "throughput", "isolation", "sts-outage", "scale", "scale-out", "cold", "rolling-restart", "dependency-faults", "noisy-neighbour", "hot-tenant", "all"];

    public required string Scenario { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    public double? Rate { get; init; }

    public int? Connections { get; init; }

    public int? Organizations { get; init; }

    /// <summary>Overhead: interleaved baseline/gateway rounds per backend (default 3; the median ratio is reported).</summary>
    public int? Rounds { get; init; }

    /// <summary>Overhead: both proxies reach the trivial backend over cleartext HTTP/2 (<c>--backend-http 2</c>); default HTTP/1.1.</summary>
    public bool BackendHttp2 { get; init; }

    /// <summary>rolling-restart: <c>Shutdown:DrainDelay</c> given to every gateway instance (<c>--drain-delay</c>); null = the scenario's default.</summary>
    public TimeSpan? DrainDelay { get; init; }

    /// <summary>
    /// noisy-neighbour: gateway instances (<c>--instances</c>, 1–5); 1 = the runner's gateway alone (per-instance limits),
    /// more = a fleet sharing one redis-server (fleet-wide limits). Null = 1.
    /// </summary>
    public int? Instances { get; init; }

    public string? ReportDirectory { get; init; }

    public Uri? GatewayUrl { get; init; }

    public Uri? BackendUrl { get; init; }

    public Uri? LocalAwsUrl { get; init; }

    /// <summary>Warm-up before each measured phase; default: 10 % of the duration, at most 5 s.</summary>
    public TimeSpan? WarmUp { get; init; }

    public TimeSpan EffectiveWarmUp => WarmUp ?? TimeSpan.FromSeconds(Math.Min(5, Duration.TotalSeconds / 10));
}
