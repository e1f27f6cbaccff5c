using LoadTests.Reports;

namespace LoadTests.Scenarios;

/// <summary>A CLI scenario (overhead, throughput, …): prepares data, runs one or more engine phases, evaluates thresholds.</summary>
internal interface ILoadScenario
{
    string Name { get; }

    Task<ScenarioReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken);
}
