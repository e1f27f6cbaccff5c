namespace LoadTests.Stats;

/// <summary>One second of a step, by intended start time: how many requests, and their latency percentiles.</summary>
internal sealed record TimelinePoint(int Second, long Requests, long Ok, long Fail, double P50Ms, double P99Ms, double MaxMs);
