namespace LoadTests.Stats;

/// <summary>Latency distribution of one step in milliseconds (HdrHistogram, 3 significant digits; min, max, mean exact).</summary>
internal sealed record LatencySummary
{
    public double MinMs { get; init; }

    public double MeanMs { get; init; }

    public double P50Ms { get; init; }

    public double P75Ms { get; init; }

    public double P95Ms { get; init; }

    public double P99Ms { get; init; }

    public double MaxMs { get; init; }

    public double StdDevMs { get; init; }

    public static LatencySummary Empty { get; } = new();
}
