namespace LoadTests.Thresholds;

/// <summary>A per-step statistic a threshold can test.</summary>
internal enum StepMetric
{
    Requests,
    Ok,
    Fail,
    OkPercent,
    FailPercent,
    Rps,
    P50Ms,
    P99Ms,
}
