namespace LoadTests.Topology;

/// <summary>Cumulative allocated bytes and CPU seconds of a process at one moment.</summary>
internal sealed record ProcessSample(double AllocatedBytes, double CpuSeconds);
