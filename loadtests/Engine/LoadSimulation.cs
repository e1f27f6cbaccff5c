namespace LoadTests.Engine;

/// <summary>
/// How load is applied for one run of a scenario, after the optional warm-up. Every simulation is bounded in time
/// (<see cref="During"/>); the scenario can also bound it in iterations.
/// </summary>
internal abstract record LoadSimulation(TimeSpan During)
{
    /// <summary>Open model: start <paramref name="rate"/> iterations per second regardless of how fast they finish.</summary>
    public static LoadSimulation Inject(double rate, TimeSpan during) => new InjectSimulation(rate, rate, during);

    /// <summary>Open model with the rate changing linearly from <paramref name="fromRate"/> to <paramref name="toRate"/>.</summary>
    public static LoadSimulation RampingInject(double fromRate, double toRate, TimeSpan during) =>
        new InjectSimulation(fromRate, toRate, during);

    /// <summary>Closed model: <paramref name="copies"/> concurrent copies, each starting its next iteration when the last ends.</summary>
    public static LoadSimulation KeepConstant(int copies, TimeSpan during) => new KeepConstantSimulation(copies, during);

    /// <summary>The same kind of load at its starting level, for <paramref name="during"/> (used for warm-up).</summary>
    public abstract LoadSimulation WarmUp(TimeSpan during);

    /// <summary>The planned load, e.g. "inject 100/s for 30 s".</summary>
    public abstract string Describe();

    /// <summary>
    /// The load as it ran when it ended before its planned duration (<paramref name="why"/>: the scenario's iteration
    /// bound, a cancellation): the measured duration first, then the plan, so a report never says "for 30 s" over a
    /// phase that ran 7 s.
    /// </summary>
    public string Describe(TimeSpan ran, string why) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Shape()} for {ran.TotalSeconds:0.0} s ({why}; planned {During.TotalSeconds:0.##} s)");

    /// <summary>The load without its duration, e.g. "inject 100/s".</summary>
    protected abstract string Shape();
}
