using LoadTests.Topology;

namespace LoadTests.Tests.Topology;

public sealed class ProcessCountersTests
{
    [Fact]
    public void Parse_PrometheusText_SumsCpuModesAndReadsAllocatedBytes()
    {
        const string text = """
            # TYPE dotnet_gc_heap_total_allocated_bytes_total counter
            dotnet_gc_heap_total_allocated_bytes_total 123456 1700000000000
            dotnet_process_cpu_time_seconds_total{cpu_mode="user"} 1.5
            dotnet_process_cpu_time_seconds_total{cpu_mode="system"} 0.25
            dotnet_process_cpu_time_seconds_total_other 99
            """;

        var sample = ProcessCounters.Parse(text);

        Assert.Equal(new ProcessSample(123456, 1.75), sample);
    }

    [Fact]
    public void Parse_CounterMissing_Null()
    {
        Assert.Null(ProcessCounters.Parse("dotnet_process_cpu_time_seconds_total{cpu_mode=\"user\"} 1.5\n"));
    }

    [Fact]
    public void Between_DividesTheDifferenceByResponses()
    {
        var cost = ProcessCost.Between(new ProcessSample(1_000, 1.0), new ProcessSample(41_000, 1.2), 4_000);

        Assert.NotNull(cost);
        Assert.Equal(10, cost.AllocatedBytesPerRequest, 6);
        Assert.Equal(50, cost.CpuMicrosecondsPerRequest, 6);
        Assert.Null(ProcessCost.Between(null, new ProcessSample(1, 1), 1));
        Assert.Null(ProcessCost.Between(new ProcessSample(1, 1), new ProcessSample(2, 2), 0));
    }
}
