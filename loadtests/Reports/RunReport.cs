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

    private ScenarioReport? Isolation => Scenarios.FirstOrDefault(s => s.Name == "isolation");
}
