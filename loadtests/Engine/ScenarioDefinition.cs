namespace LoadTests.Engine;

/// <summary>
/// One load run: what an iteration does, how iterations are injected, an optional warm-up whose results are discarded,
/// and the bounds that always apply (duration, optional iteration count, drain timeout, in-flight cap).
/// </summary>
internal sealed record ScenarioDefinition
{
    public required string Name { get; init; }

    public required Func<ScenarioContext, Task> Iteration { get; init; }

    public required LoadSimulation Load { get; init; }

    /// <summary>Warm-up at the simulation's starting level; its results are not recorded. Default none.</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.Zero;

    /// <summary>Stop injecting after this many measured iterations (in addition to the duration). Default unbounded.</summary>
    public long? MaxIterations { get; init; }

    /// <summary>After the last injection, in-flight iterations get this long before they are cancelled. Default 10 s.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Open model: at most this many iterations in flight; when reached, injection waits, and the wait is charged to
    /// the latency of the delayed iterations (measured from their intended start). Default 4,096.
    /// </summary>
    public int MaxInFlight { get; init; } = 4096;

    /// <summary>
    /// Ends the measured run early once this task has completed (checked before each new iteration): for a phase that
    /// lasts as long as something the scenario does meanwhile (restarting processes), with <see cref="Load"/>'s duration as
    /// the upper bound. In-flight iterations then drain as usual. Default none. Not applied to the warm-up.
    /// </summary>
    public Task? StopWhen { get; init; }

    /// <summary>What <see cref="StopWhen"/> stands for, in the phase's load line ("until every instance was restarted").</summary>
    public string StopWhenReason { get; init; } = "stopped when its task completed";

    /// <summary>Per-step timeout applied by <see cref="ScenarioContext.StepAsync"/>. Default 10 s.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
