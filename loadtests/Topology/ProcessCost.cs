namespace LoadTests.Topology;

/// <summary>What one phase cost a process per response: allocated bytes and CPU microseconds.</summary>
internal sealed record ProcessCost(double AllocatedBytesPerRequest, double CpuMicrosecondsPerRequest)
{
    /// <summary>The difference of two samples divided by <paramref name="responses"/>; null when a sample is missing or nothing was answered.</summary>
    public static ProcessCost? Between(ProcessSample? before, ProcessSample? after, long responses) =>
        before is null || after is null || responses <= 0
            ? null
            : new ProcessCost(
                (after.AllocatedBytes - before.AllocatedBytes) / responses,
                (after.CpuSeconds - before.CpuSeconds) * 1_000_000 / responses);
}
