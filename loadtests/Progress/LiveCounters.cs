namespace LoadTests.Progress;

/// <summary>What the live display shows: requests and failures so far.</summary>
internal readonly record struct LiveCounters(long Requests, long Failures);
