namespace LoadTests.Stats;

/// <summary>Measured statistics of one step over the measured part of a run (warm-up excluded).</summary>
internal sealed record StepStats
{
    public required string Name { get; init; }

    public long Requests { get; init; }

    public long Ok { get; init; }

    public long Fail { get; init; }

    public double Rps { get; init; }

    public double OkPercent => Requests == 0 ? 0 : 100.0 * Ok / Requests;

    public double FailPercent => Requests == 0 ? 0 : 100.0 * Fail / Requests;

    public long Bytes { get; init; }

    public required LatencySummary Latency { get; init; }

    /// <summary>Client-side delay between intended and actual send (injector lateness, in-flight cap), p99 in ms.</summary>
    public double SchedulingLagP99Ms { get; init; }

    /// <summary>Responses by HTTP status ("0" = no response).</summary>
    public required IReadOnlyDictionary<string, long> StatusCodes { get; init; }

    /// <summary>Responses by error code (problem+json <c>code</c> or client-side code such as <c>timeout</c>).</summary>
    public required IReadOnlyDictionary<string, long> ErrorCodes { get; init; }

    public required IReadOnlyList<TimelinePoint> Timeline { get; init; }

    public required IReadOnlyList<PercentilePoint> Percentiles { get; init; }
}
