using System.Text.Json.Serialization;

namespace LoadTests.Stats;

/// <summary>Result of one engine run: per-step statistics and the scenario's counters.</summary>
internal sealed record ScenarioResult
{
    public required string Name { get; init; }

    public required string Load { get; init; }

    [JsonIgnore]
    public TimeSpan Duration { get; init; }

    public double DurationSeconds => Math.Round(Duration.TotalSeconds, 3);

    public long Iterations { get; init; }

    public required IReadOnlyList<StepStats> Steps { get; init; }

    public required IReadOnlyDictionary<string, long> Counters { get; init; }

    public StepStats? Step(string name) => Steps.FirstOrDefault(s => s.Name == name);

    public long Counter(string name) => Counters.TryGetValue(name, out var value) ? value : 0;
}
