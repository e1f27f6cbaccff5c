using System.Text.Json;
using LoadTests.Reports;
using LoadTests.Scenarios;
using LoadTests.Stats;
using LoadTests.Topology;

namespace LoadTests.Tests.Scenarios;

/// <summary>The rolling-restart report: its counters, thresholds and top-level report.json fields, on hand-made phases.</summary>
public sealed class RollingRestartScenarioTests : IDisposable
{
    private static readonly Termination s_clean = new(0, TimeSpan.FromSeconds(3.2), TimeSpan.FromSeconds(0.1), TimeSpan.FromSeconds(3.1), Forced: false);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "loadtests-rolling-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void Evaluate_EveryRequestServedAndEveryInstanceRestarted_Passes()
    {
        var report = RollingRestartScenario.Evaluate(Report(fail: 0, crossTenant: 0, unscoped: 0, restarts: 3));

        Assert.True(report.Passed, string.Join("; ", report.Thresholds.Where(t => !t.Passed).Select(t => t.Description)));
        Assert.Equal(1200, report.Counters["requests"]);
        Assert.Equal(0, report.Counters["failedRequests"]);
    }

    [Theory]
    [InlineData(1, 0, 0, 3, "failedRequests == 0")]
    [InlineData(0, 1, 0, 3, "crossTenantResponses == 0")]
    [InlineData(0, 0, 1, 3, "unscopedForwards == 0")]
    [InlineData(0, 0, 0, 2, "restarts == 3")]
    public void Evaluate_OneBrokenCounter_ThatThresholdFailsAndTheRunFails(long fail, long crossTenant, long unscoped, int restarts, string failing)
    {
        var report = RollingRestartScenario.Evaluate(Report(fail, crossTenant, unscoped, restarts));

        Assert.False(report.Passed);
        Assert.Equal([failing], report.Thresholds.Where(t => !t.Passed).Select(t => t.Description));
        Assert.False(Run(report).Passed); // → exit code 1
    }

    [Fact]
    public void Counters_FailedRequestsSumEveryMeasuredPhaseAndStep()
    {
        var counters = RollingRestartScenario.Counters(
            [Phase("before", ok: 100, fail: 0), Phase("rolling", ok: 950, fail: 12, createFail: 3), Phase("after", ok: 100, fail: 1)],
            [s_clean, s_clean with { Forced = true, ExitCode = null }, s_clean with { NotReadyAfter = null }]);

        Assert.Equal(100 + 962 + 3 + 101, counters["requests"]);
        Assert.Equal(16, counters["failedRequests"]);
        Assert.Equal(3, counters["restarts"]);
        Assert.Equal(1, counters["forcedKills"]);
        Assert.Equal(2, counters["notReadyBeforeClose"]);
    }

    [Fact]
    public async Task WriteAsync_RollingRestart_JsonHasTheScenarioCountersAtTopLevel()
    {
        await ReportWriter.WriteAsync(Run(RollingRestartScenario.Evaluate(Report(fail: 2, crossTenant: 0, unscoped: 0, restarts: 3))), _dir, CancellationToken.None);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("instances").GetInt64());
        Assert.Equal(3, root.GetProperty("restarts").GetInt64());
        Assert.Equal(1200, root.GetProperty("requests").GetInt64());
        Assert.Equal(2, root.GetProperty("failedRequests").GetInt64());
        Assert.Equal(0, root.GetProperty("crossTenantResponses").GetInt64());
        Assert.Equal(0, root.GetProperty("unscopedForwards").GetInt64());
        Assert.False(root.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task WriteAsync_OtherScenario_JsonHasNoRollingRestartFields()
    {
        await ReportWriter.WriteAsync(Run(Report(0, 0, 0, 3) with { Name = "throughput" }), _dir, CancellationToken.None);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        foreach (var field in new[] { "instances", "restarts", "requests", "failedRequests", "crossTenantResponses", "unscopedForwards" })
        {
            Assert.False(json.RootElement.TryGetProperty(field, out _), field);
        }
    }

    [Fact]
    public void Describe_NoReadinessBeforeTheClose_SaysSo()
    {
        var note = RollingRestartScenario.Describe("g1", s_clean with { NotReadyAfter = null, PortClosedAfter = TimeSpan.FromMilliseconds(16) }, TimeSpan.FromSeconds(6));

        Assert.Contains("/readyz never said 503 before the port closed (0.02 s)", note, StringComparison.Ordinal);
        Assert.Contains("exited with code 0 after 3.20 s", note, StringComparison.Ordinal);
    }

    private static ScenarioReport Report(long fail, long crossTenant, long unscoped, int restarts)
    {
        ScenarioResult[] phases =
        [
            Phase("before", ok: 400, fail: 0),
            Phase("rolling", ok: 400 - fail, fail: fail, crossTenant: crossTenant, unscoped: unscoped),
            Phase("after", ok: 400, fail: 0),
        ];
        return new ScenarioReport
        {
            Name = RollingRestartScenario.ScenarioName,
            Description = "test",
            Phases = phases,
            Counters = RollingRestartScenario.Counters(phases, Enumerable.Repeat(s_clean, restarts).ToList()),
        };
    }

    private static RunReport Run(ScenarioReport scenario) => new()
    {
        StartedAt = DateTimeOffset.UnixEpoch,
        Command = "LoadTests rolling-restart",
        Machine = "test",
        Targets = new Dictionary<string, string>(),
        Scenarios = [scenario],
    };

    private static ScenarioResult Phase(string name, long ok, long fail, long createFail = 0, long crossTenant = 0, long unscoped = 0) => new()
    {
        Name = name,
        Load = "inject 40/s for 1 s",
        Duration = TimeSpan.FromSeconds(1),
        Iterations = ok + fail,
        Counters = new Dictionary<string, long> { ["crossTenantResponses"] = crossTenant, ["unscoped"] = unscoped },
        Steps = [Step("list", ok, fail), Step("create", 0, createFail)],
    };

    private static StepStats Step(string name, long ok, long fail) => new()
    {
        Name = name,
        Requests = ok + fail,
        Ok = ok,
        Fail = fail,
        Latency = new LatencySummary(),
        StatusCodes = new Dictionary<string, long>(),
        ErrorCodes = new Dictionary<string, long>(),
        Timeline = [],
        Percentiles = [],
    };
}
