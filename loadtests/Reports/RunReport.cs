using System.Text.Json.Serialization;

namespace LoadTests.Reports;

/// <summary>Everything one invocation of the runner produced; serialized as report.json.</summary>
internal sealed record RunReport
{
    public required DateTimeOffset StartedAt { get; init; }

    public required string Command { get; init; }

    public required string Machine { get; init; }

    public required IReadOnlyDictionary<string, string> Targets { get; init; }

    public required IReadOnlyList<ScenarioReport> Scenarios { get; init; }

    public bool Passed => Scenarios.All(s => s.Passed);

    /// <summary>Attacks tried by the isolation scenario (absent when it did not run).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Attacks => Isolation?.Counters.GetValueOrDefault("attacks");

    /// <summary>Attacks that leaked (2xx or another organization's id in the body); must be 0.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Leaks => Isolation?.Counters.GetValueOrDefault("leaks");

    /// <summary>Gateway instances of the scale-out, rolling-restart or noisy-neighbour scenario (absent when none ran).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Instances => (Fleet ?? NoisyNeighbour)?.Counters.GetValueOrDefault("instances");

    /// <summary>Instances the rolling-restart scenario stopped (SIGTERM) and got back (/readyz 200).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Restarts => RollingRestart?.Counters.GetValueOrDefault("restarts");

    /// <summary>Measured requests of the rolling-restart scenario (before + rolling + after).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Requests => RollingRestart?.Counters.GetValueOrDefault("requests");

    /// <summary>Of <see cref="Requests"/>, those that failed (any non-2xx, no answer, a timeout, another organization's data); must be 0.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? FailedRequests => RollingRestart?.Counters.GetValueOrDefault("failedRequests");

    /// <summary>Answers of the rolling-restart scenario carrying another organization's id; must be 0.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? CrossTenantResponses => RollingRestart?.Counters.GetValueOrDefault("crossTenantResponses");

    /// <summary>Credential keys (organization × permission set) the scale-out scenario touched.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? DistinctCredentialKeys => ScaleOut?.Counters.GetValueOrDefault("distinctCredentialKeys");

    /// <summary>Fleet-wide AssumeRole calls (LocalAws stats) during scale-out's first-touch + steady phases.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? AssumeRoleCalls => ScaleOut?.Counters.GetValueOrDefault("assumeRoleCalls");

    /// <summary>Requests the backend saw without a valid tenant context during scale-out, rolling-restart or noisy-neighbour; must be 0.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? UnscopedForwards => (Fleet ?? NoisyNeighbour)?.Counters.GetValueOrDefault("unscopedForwards");

    /// <summary>noisy-neighbour: the victims' p99 (ms) in the baseline phase (victims only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? VictimBaselineP99Ms => NoisyMetric("victimBaselineP99Ms");

    /// <summary>noisy-neighbour: the victims' p99 (ms) during the flood; threshold ≤ 1.5 × <see cref="VictimBaselineP99Ms"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? VictimP99Ms => NoisyMetric("victimP99Ms");

    /// <summary>noisy-neighbour: victims' failed requests (baseline, flood, storm, their new users); must be 0.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? VictimErrors => NoisyCounter("victimErrors");

    /// <summary>noisy-neighbour: the flooder's requests during the flood phase.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? FlooderRequests => NoisyCounter("flooderRequests");

    /// <summary>noisy-neighbour: of <see cref="FlooderRequests"/>, those answered 429 <c>organization_rate_limited</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? FlooderRejected => NoisyCounter("flooderRejected");

    /// <summary>noisy-neighbour: the flooder's requests past the limiter per second of the flood phase (within ±15 % of <see cref="FlooderLimitPerSecond"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? FlooderAdmittedPerSecond => NoisyMetric("flooderAdmittedPerSecond");

    /// <summary>noisy-neighbour: the flooder tier's <c>RequestsPerSecond</c> (the fleet's limit with several instances).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? FlooderLimitPerSecond => NoisyMetric("flooderLimitPerSecond");

    /// <summary>noisy-neighbour: the most AssumeRole calls LocalAws counted in one budget second (≤ <c>Sts:MaxAssumeRolePerSecond</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? AssumeRolePerSecondMax => NoisyCounter("assumeRolePerSecondMax");

    /// <summary>noisy-neighbour: gateway CPU µs per request rejected by the rate limit (runtime counters, idle subtracted).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? CpuMicrosecondsPerRejected => NoisyMetric("cpuMicrosecondsPerRejected");

    /// <summary>noisy-neighbour: gateway CPU µs per served request (runtime counters, idle subtracted).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? CpuMicrosecondsPerServed => NoisyMetric("cpuMicrosecondsPerServed");

    /// <summary>
    /// Answers during scale-out whose credentials the backend's data store rejected (<c>tenant_credentials_rejected</c>): an
    /// outage of credentials, not a leak; counted apart from <see cref="UnscopedForwards"/>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? RejectedCredentials => ScaleOut?.Counters.GetValueOrDefault("rejectedCredentials");

    /// <summary>Success rate (%) of requests for cached organizations while scale-out's Redis was down.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? RedisFaultCachedOkPercent => ScaleOut?.Metrics.GetValueOrDefault("redisFaultCachedOkPercent");

    /// <summary>hot-tenant: DynamoDB requests LocalAws refused by the per-key budget during the unsharded phase (must be &gt; 0).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ThrottledUnsharded => HotCounter("throttledUnsharded");

    /// <summary>hot-tenant: the same during the sharded phase (none, or at most a tenth of <see cref="ThrottledUnsharded"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ThrottledSharded => HotCounter("throttledSharded");

    /// <summary>hot-tenant: the hot organization's p99 (ms, the highest of its steps) unsharded.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? HotP99UnshardedMs => HotMetric("hotP99UnshardedMs");

    /// <summary>hot-tenant: the hot organization's p99 (ms, the highest of its steps) with 8 shards.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? HotP99ShardedMs => HotMetric("hotP99ShardedMs");

    /// <summary>hot-tenant: the other organizations' p99 (ms, the highest of their steps over unsharded, reshard and sharded).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? OthersP99Ms => HotMetric("othersP99Ms");

    /// <summary>hot-tenant: attacks answered 2xx or with another organization's id, plus any answer carrying another organization's id; must be 0.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? CrossTenantLeaks => HotCounter("crossTenantLeaks");

    private ScenarioReport? HotTenant => Scenarios.FirstOrDefault(s => s.Name == "hot-tenant");

    private long? HotCounter(string name) => HotTenant is { } h && h.Counters.TryGetValue(name, out var value) ? value : null;

    private double? HotMetric(string name) => HotTenant is { } h && h.Metrics.TryGetValue(name, out var value) ? value : null;

    private ScenarioReport? ScaleOut => Scenarios.FirstOrDefault(s => s.Name == "scale-out");

    private ScenarioReport? NoisyNeighbour => Scenarios.FirstOrDefault(s => s.Name == "noisy-neighbour");

    private ScenarioReport? RollingRestart => Scenarios.FirstOrDefault(s => s.Name == "rolling-restart");

    /// <summary>The fleet scenario of the run (scale-out and rolling-restart run only when named, so at most one).</summary>
    private ScenarioReport? Fleet => ScaleOut ?? RollingRestart;

    private long? NoisyCounter(string name) => NoisyNeighbour is { } n && n.Counters.TryGetValue(name, out var value) ? value : null;

    private double? NoisyMetric(string name) => NoisyNeighbour is { } n && n.Metrics.TryGetValue(name, out var value) ? value : null;

    private ScenarioReport? Isolation => Scenarios.FirstOrDefault(s => s.Name == "isolation");
}
