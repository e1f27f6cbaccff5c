using LoadTests.Stats;
using LoadTests.Thresholds;

namespace LoadTests.Reports;

/// <summary>
/// What one CLI scenario (overhead, isolation, …) produced: its engine runs (phases), integer counters (e.g. attacks,
/// leaks), derived metrics (e.g. ratios), threshold outcomes and notes.
/// </summary>
internal sealed record ScenarioReport
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    public required IReadOnlyList<ScenarioResult> Phases { get; init; }

    public IReadOnlyDictionary<string, long> Counters { get; init; } = new Dictionary<string, long>();

    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    public IReadOnlyList<ThresholdResult> Thresholds { get; init; } = [];

    public IReadOnlyList<string> Notes { get; init; } = [];

    public bool Passed => Thresholds.All(t => t.Passed);

    public ScenarioResult? Phase(string name) => Phases.FirstOrDefault(p => p.Name == name);

    /// <summary>Evaluates <paramref name="thresholds"/> against this report and returns a copy carrying the results.</summary>
    public ScenarioReport WithThresholds(IEnumerable<Threshold> thresholds) =>
        this with { Thresholds = [.. Thresholds, .. thresholds.Select(t => t.Evaluate(this))] };
}
