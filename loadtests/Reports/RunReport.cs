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

    /// <summary>Gateway instances of the scale-out or rolling-restart scenario (absent when neither ran).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Instances => Fleet?.Counters.GetValueOrDefault("instances");

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

    /// <summary>Requests the backend saw without a valid tenant context during scale-out or rolling-restart; must be 0.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? UnscopedForwards => Fleet?.Counters.GetValueOrDefault("unscopedForwards");

    /// <summary>
    /// Answers during scale-out whose credentials the backend's data store rejected (<c>tenant_credentials_rejected</c>): an
    /// outage of credentials, not a leak; counted apart from <see cref="UnscopedForwards"/>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? RejectedCredentials => ScaleOut?.Counters.GetValueOrDefault("rejectedCredentials");

    /// <summary>Success rate (%) of requests for cached organizations while scale-out's Redis was down.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? RedisFaultCachedOkPercent => ScaleOut?.Metrics.GetValueOrDefault("redisFaultCachedOkPercent");

    private ScenarioReport? ScaleOut => Scenarios.FirstOrDefault(s => s.Name == "scale-out");

    private ScenarioReport? RollingRestart => Scenarios.FirstOrDefault(s => s.Name == "rolling-restart");

    /// <summary>The fleet scenario of the run (scale-out and rolling-restart run only when named, so at most one).</summary>
    private ScenarioReport? Fleet => ScaleOut ?? RollingRestart;

    private ScenarioReport? Isolation => Scenarios.FirstOrDefault(s => s.Name == "isolation");
}
