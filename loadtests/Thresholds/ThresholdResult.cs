namespace LoadTests.Thresholds;

/// <summary>Outcome of one threshold: what was required, what was measured (null = nothing measured), pass/fail.</summary>
internal sealed record ThresholdResult(string Description, double? Actual, bool Passed);
