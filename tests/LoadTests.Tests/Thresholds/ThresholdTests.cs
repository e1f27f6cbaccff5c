using LoadTests.Reports;
using LoadTests.Stats;
using LoadTests.Thresholds;

namespace LoadTests.Tests.Thresholds;

public sealed class ThresholdTests
{
    [Fact]
    public void Metric_CounterEqualsLimit_Passes()
    {
        var result = Threshold.Metric("leaks", Comparison.Equal, 0).Evaluate(Report(leaks: 0));

        Assert.True(result.Passed);
        Assert.Equal(0, result.Actual);
        Assert.Equal("leaks == 0", result.Description);
    }

    [Fact]
    public void Metric_CounterAboveLimit_Fails()
    {
        var result = Threshold.Metric("leaks", Comparison.Equal, 0).Evaluate(Report(leaks: 1));

        Assert.False(result.Passed);
        Assert.Equal(1, result.Actual);
    }

    [Fact]
    public void Metric_Missing_FailsWithNoData()
    {
        var result = Threshold.Metric("nothing", Comparison.LessOrEqual, 100).Evaluate(Report(leaks: 0));

        Assert.False(result.Passed);
        Assert.Null(result.Actual);
    }

    [Theory]
    [InlineData(999, 1, true)]   // 99.9 % ok
    [InlineData(998, 2, false)]  // 99.8 % ok
    public void Step_OkPercent_ComparesAgainstLimit(long ok, long fail, bool passes)
    {
        var report = Report(leaks: 0, ok: ok, fail: fail);

        var result = Threshold.Step("phase", "list", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9).Evaluate(report);

        Assert.Equal(passes, result.Passed);
    }

    [Fact]
    public void Step_NoRequests_Fails()
    {
        var result = Threshold.Step("phase", "list", StepMetric.OkPercent, Comparison.GreaterOrEqual, 0).Evaluate(Report(leaks: 0, ok: 0, fail: 0));

        Assert.False(result.Passed);
    }

    [Fact]
    public void Step_P99_UsesLatency()
    {
        var report = Report(leaks: 0);

        Assert.True(Threshold.Step("phase", "list", StepMetric.P99Ms, Comparison.LessThan, 5).Evaluate(report).Passed);
        Assert.False(Threshold.Step("phase", "list", StepMetric.P99Ms, Comparison.LessThan, 4).Evaluate(report).Passed);
    }

    [Fact]
    public void WithThresholds_AnyFailure_ReportNotPassed()
    {
        var report = Report(leaks: 3).WithThresholds(
        [
            Threshold.Metric("leaks", Comparison.Equal, 0),
            Threshold.Metric("legitOkPercent", Comparison.GreaterOrEqual, 99.9),
        ]);

        Assert.False(report.Passed);
        Assert.Equal([false, true], report.Thresholds.Select(t => t.Passed));
    }

    internal static ScenarioReport Report(long leaks, long ok = 100, long fail = 0) => new()
    {
        Name = "isolation",
        Description = "test",
        Phases =
        [
            new ScenarioResult
            {
                Name = "phase",
                Load = "inject",
                Duration = TimeSpan.FromSeconds(1),
                Iterations = ok + fail,
                Counters = new Dictionary<string, long>(),
                Steps =
                [
                    new StepStats
                    {
                        Name = "list",
                        Requests = ok + fail,
                        Ok = ok,
                        Fail = fail,
                        Rps = ok + fail,
                        Latency = new LatencySummary { MinMs = 1, MeanMs = 2, P50Ms = 2, P75Ms = 3, P95Ms = 4, P99Ms = 4.5, MaxMs = 9 },
                        StatusCodes = new Dictionary<string, long> { ["200"] = ok, ["403"] = fail },
                        ErrorCodes = new Dictionary<string, long> { ["not_a_member"] = fail },
                        Timeline = [new TimelinePoint(0, ok + fail, ok, fail, 2, 4.5, 9)],
                        Percentiles = [new PercentilePoint(0, 1), new PercentilePoint(50, 2), new PercentilePoint(99, 4.5), new PercentilePoint(100, 9)],
                    },
                ],
            },
        ],
        Counters = new Dictionary<string, long> { ["attacks"] = 40, ["leaks"] = leaks },
        Metrics = new Dictionary<string, double> { ["legitOkPercent"] = 100 },
    };
}
