using System.Text.Json;
using LoadTests.Reports;
using LoadTests.Tests.Thresholds;
using LoadTests.Thresholds;

namespace LoadTests.Tests.Reports;

public sealed class ReportWriterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "loadtests-report-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task WriteAsync_IsolationRun_JsonHasIntegerAttacksAndLeaksAtTopLevel()
    {
        var report = Run(ThresholdTests.Report(leaks: 0).WithThresholds([Threshold.Metric("leaks", Comparison.Equal, 0)]));

        await ReportWriter.WriteAsync(report, _dir, CancellationToken.None);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        var root = json.RootElement;
        Assert.Equal(JsonValueKind.Number, root.GetProperty("attacks").ValueKind);
        Assert.Equal(40, root.GetProperty("attacks").GetInt64());
        Assert.Equal(0, root.GetProperty("leaks").GetInt64());
        Assert.True(root.GetProperty("passed").GetBoolean());
        var step = root.GetProperty("scenarios")[0].GetProperty("phases")[0].GetProperty("steps")[0];
        Assert.Equal(4.5, step.GetProperty("latency").GetProperty("p99Ms").GetDouble());
        Assert.Equal(100, step.GetProperty("statusCodes").GetProperty("200").GetInt64());
        Assert.Equal(1.0, root.GetProperty("scenarios")[0].GetProperty("phases")[0].GetProperty("durationSeconds").GetDouble());
        Assert.Equal("leaks == 0", root.GetProperty("scenarios")[0].GetProperty("thresholds")[0].GetProperty("description").GetString());
    }

    [Fact]
    public async Task WriteAsync_RunWithoutIsolation_JsonHasNoAttacksField()
    {
        var report = Run(ThresholdTests.Report(leaks: 0) with { Name = "throughput" });

        await ReportWriter.WriteAsync(report, _dir, CancellationToken.None);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        Assert.False(json.RootElement.TryGetProperty("attacks", out _));
        Assert.False(json.RootElement.TryGetProperty("leaks", out _));
    }

    [Fact]
    public async Task WriteAsync_FailedThreshold_MarkdownShowsFailAndTables()
    {
        var report = Run(ThresholdTests.Report(leaks: 2).WithThresholds([Threshold.Metric("leaks", Comparison.Equal, 0)]));

        await ReportWriter.WriteAsync(report, _dir, CancellationToken.None);

        var md = await File.ReadAllTextAsync(Path.Combine(_dir, "report.md"));
        Assert.Contains(MarkdownReport.StepTableHeader, md, StringComparison.Ordinal);
        Assert.Contains("| list | 100 | 100 | 0 | 100.0 | 1.00 | 2.00 | 2.00 | 3.00 | 4.00 | 4.50 | 9.00 | 200: 100, 403: 0 | not_a_member: 0 |", md, StringComparison.Ordinal);
        Assert.Contains("| leaks == 0 | 2 | **FAIL** |", md, StringComparison.Ordinal);
        Assert.Contains("result: **FAILED**", md, StringComparison.Ordinal);
        Assert.Contains("40 attacks tried, 2 leaked", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_Html_IsSelfContainedWithSvgPlots()
    {
        var report = Run(WithTimeline(ThresholdTests.Report(leaks: 0), seconds: 3));

        await ReportWriter.WriteAsync(report, _dir, CancellationToken.None);

        var html = await File.ReadAllTextAsync(Path.Combine(_dir, "report.html"));
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Equal(2, CountOf(html, "<svg "));
        Assert.Contains("<polyline", html, StringComparison.Ordinal);
        Assert.Contains("latency over time", html, StringComparison.Ordinal);
        Assert.Contains("latency by percentile", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Html_PhaseShorterThanTwoSeconds_NoEmptyChartButANote()
    {
        // Issue 20: a phase that fits in one second of the timeline drew an empty "latency over time" chart (one
        // point per series draws no line).
        var report = Run(ThresholdTests.Report(leaks: 0));

        var html = HtmlReport.Render(report);

        Assert.Equal(1, CountOf(html, "<svg "));
        Assert.DoesNotContain("latency over time</text>", html, StringComparison.Ordinal);
        Assert.Contains("latency by percentile", html, StringComparison.Ordinal);
        Assert.Contains("phase: too short to chart latency over time (1 second of data", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_EscapesText()
    {
        var report = Run(ThresholdTests.Report(leaks: 0) with { Description = "<script>alert(1)</script>" });

        var html = HtmlReport.Render(report);

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(90, 1)]
    [InlineData(99, 2)]
    [InlineData(99.9, 3)]
    [InlineData(100, 5)]
    public void PercentileX_MapsToNines(double percentile, double expected) =>
        Assert.Equal(expected, HtmlReport.PercentileX(percentile), 6);

    [Theory]
    [InlineData(0.7, 1)]
    [InlineData(3.2, 5)]
    [InlineData(11, 20)]
    [InlineData(240, 250)]
    public void NiceCeiling_RoundsUpToAReadableAxis(double value, double expected) =>
        Assert.Equal(expected, SvgChart.NiceCeiling(value), 6);

    private static ScenarioReport WithTimeline(ScenarioReport scenario, int seconds) => scenario with
    {
        Phases = [.. scenario.Phases.Select(phase => phase with
        {
            Steps = [.. phase.Steps.Select(step => step with
            {
                Timeline = [.. Enumerable.Range(0, seconds).Select(second => new LoadTests.Stats.TimelinePoint(second, 10, 10, 0, 2, 4.5, 9))],
            })],
        })],
    };

    private static RunReport Run(ScenarioReport scenario) => new()
    {
        StartedAt = DateTimeOffset.UnixEpoch,
        Command = "LoadTests isolation",
        Machine = "test",
        Targets = new Dictionary<string, string> { ["gateway"] = "http://127.0.0.1:1/" },
        Scenarios = [scenario],
    };

    private static int CountOf(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
