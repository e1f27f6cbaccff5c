namespace LoadTests.Stats;

/// <summary>A point of the latency percentile distribution (for the percentile plot).</summary>
internal sealed record PercentilePoint(double Percentile, double LatencyMs);
