using System.Text.Json;
using LoadTests.Reports;
using LoadTests.Scenarios;
using LoadTests.Stats;

namespace LoadTests.Tests.Scenarios;

/// <summary>The noisy-neighbour thresholds, its per-second AssumeRole reading and its top-level report.json fields, on hand-made values.</summary>
public sealed class NoisyNeighbourScenarioTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "loadtests-noisy-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void Evaluate_FlooderAtItsLimitVictimsServedBudgetHeld_Passes()
    {
        var report = NoisyNeighbourScenario.Evaluate(Report());

        Assert.True(report.Passed, string.Join("; ", report.Thresholds.Where(t => !t.Passed).Select(t => t.Description)));
    }

    [Theory]
    [InlineData("flooderAdmittedPerSecond", 7.0, "flooderAdmittedPerSecond <= 6.9")]
    [InlineData("flooderAdmittedPerSecond", 5.0, "flooderAdmittedPerSecond >= 5.1")]
    [InlineData("victimP99Ratio", 1.6, "victimP99Ms / victimBaselineP99Ms <= 1.5")]
    [InlineData("flooderOfferedFactor", 19.9, "flooderOfferedFactor >= 20")]
    public void Evaluate_OneMetricOutOfBounds_ThatThresholdFails(string metric, double value, string failing)
    {
        var report = NoisyNeighbourScenario.Evaluate(Report(metric: (metric, value)));

        Assert.Equal([failing], report.Thresholds.Where(t => !t.Passed).Select(t => t.Description));
    }

    [Theory]
    [InlineData("assumeRolePerSecondMax", 4, "assumeRolePerSecondMax <= 3")]
    [InlineData("victimErrors", 1, "victimErrors == 0")]
    [InlineData("unscopedForwards", 1, "unscopedForwards == 0")]
    [InlineData("victimOrganizations", 19, "victimOrganizations >= 20")]
    [InlineData("rejectedWithoutRetryAfter", 1, "rejectedWithoutRetryAfter == 0")]
    public void Evaluate_OneCounterOutOfBounds_ThatThresholdFails(string counter, long value, string failing)
    {
        var report = NoisyNeighbourScenario.Evaluate(Report(counter: (counter, value)));

        Assert.Equal([failing], report.Thresholds.Where(t => !t.Passed).Select(t => t.Description));
    }

    [Fact]
    public void Evaluate_NoPerSecondAssumeRoleFigure_Fails()
    {
        var report = Report();
        var counters = report.Counters.Where(c => c.Key != "assumeRolePerSecondMax").ToDictionary();

        var evaluated = NoisyNeighbourScenario.Evaluate(report with { Counters = counters });

        Assert.Equal(["assumeRolePerSecondMax <= 3"], evaluated.Thresholds.Where(t => !t.Passed).Select(t => t.Description));
    }

    [Fact]
    public void AssumeRoleWindows_SecondsWithoutCallsCountZeroAndOnlyTheRangeCounts()
    {
        var bySecond = new Dictionary<string, long> { ["99"] = 9, ["100"] = 3, ["102"] = 2, ["105"] = 7 };

        var windows = NoisyNeighbourScenario.AssumeRoleWindows.From(bySecond, 100, 103);

        Assert.Equal(3, windows.Max);
        Assert.Equal("3 0 2 0", windows.Series);
        Assert.Null(NoisyNeighbourScenario.AssumeRoleWindows.From(null, 100, 103).Max);
    }

    [Fact]
    public void IsShare_SpreadsExactlyThatShareOfIterations()
    {
        var picked = Enumerable.Range(0, 1000).Count(i => NoisyNeighbourScenario.IsShare(i, 0.75));
        var firstFour = Enumerable.Range(0, 4).Select(i => NoisyNeighbourScenario.IsShare(i, 0.75));

        Assert.Equal(750, picked);
        Assert.Equal(3, firstFour.Count(p => p)); // evenly: 3 of every 4, not 750 then 250
    }

    [Fact]
    public async Task WriteAsync_NoisyNeighbour_JsonHasTheFieldsAtTopLevel()
    {
        await ReportWriter.WriteAsync(Run(NoisyNeighbourScenario.Evaluate(Report())), _dir, CancellationToken.None);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        var root = json.RootElement;
        Assert.Equal(80.5, root.GetProperty("victimBaselineP99Ms").GetDouble());
        Assert.Equal(100.25, root.GetProperty("victimP99Ms").GetDouble());
        Assert.Equal(0, root.GetProperty("victimErrors").GetInt64());
        Assert.Equal(1260, root.GetProperty("flooderRequests").GetInt64());
        Assert.Equal(1200, root.GetProperty("flooderRejected").GetInt64());
        Assert.Equal(6.0, root.GetProperty("flooderAdmittedPerSecond").GetDouble());
        Assert.Equal(6.0, root.GetProperty("flooderLimitPerSecond").GetDouble());
        Assert.Equal(3, root.GetProperty("assumeRolePerSecondMax").GetInt64());
        Assert.Equal(0, root.GetProperty("unscopedForwards").GetInt64());
        Assert.Equal(420.5, root.GetProperty("cpuMicrosecondsPerRejected").GetDouble());
        Assert.Equal(900.0, root.GetProperty("cpuMicrosecondsPerServed").GetDouble());
        Assert.Equal(1, root.GetProperty("instances").GetInt64());
    }

    [Fact]
    public async Task WriteAsync_OtherScenario_JsonHasNoNoisyNeighbourFields()
    {
        await ReportWriter.WriteAsync(Run(Report() with { Name = "throughput" }), _dir, CancellationToken.None);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        foreach (var field in new[] { "victimBaselineP99Ms", "victimP99Ms", "victimErrors", "flooderRequests", "flooderRejected", "flooderAdmittedPerSecond", "flooderLimitPerSecond", "assumeRolePerSecondMax", "cpuMicrosecondsPerRejected", "unscopedForwards" })
        {
            Assert.False(json.RootElement.TryGetProperty(field, out _), field);
        }
    }

    private static ScenarioReport Report((string Name, long Value)? counter = null, (string Name, double Value)? metric = null)
    {
        var counters = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["instances"] = 1,
            ["victimOrganizations"] = 24,
            ["victimRequests"] = 2000,
            ["victimErrors"] = 0,
            ["flooderRequests"] = 1260,
            ["flooderRejected"] = 1200,
            ["rejectedWithoutRetryAfter"] = 0,
            ["assumeRolePerSecondMax"] = 3,
            ["assumeRoleCalls.storm"] = 30,
            ["unscopedForwards"] = 0,
            ["crossTenantResponses"] = 0,
        };
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["victimBaselineP99Ms"] = 80.5,
            ["victimP99Ms"] = 100.25,
            ["victimP99Ratio"] = 1.245,
            ["flooderOfferedFactor"] = 21,
            ["flooderAdmittedPerSecond"] = 6.0,
            ["flooderLimitPerSecond"] = 6.0,
            ["cpuMicrosecondsPerRejected"] = 420.5,
            ["cpuMicrosecondsPerServed"] = 900.0,
        };
        if (counter is { } c)
        {
            counters[c.Name] = c.Value;
        }

        if (metric is { } m)
        {
            metrics[m.Name] = m.Value;
        }

        return new ScenarioReport
        {
            Name = NoisyNeighbourScenario.ScenarioName,
            Description = "test",
            Phases = [new ScenarioResult { Name = "prime", Load = "keep constant 3 copies", Counters = new Dictionary<string, long>(), Steps = [Step("prime", 25)] }],
            Counters = counters,
            Metrics = metrics,
        };
    }

    private static RunReport Run(ScenarioReport scenario) => new()
    {
        StartedAt = DateTimeOffset.UnixEpoch,
        Command = "LoadTests noisy-neighbour",
        Machine = "test",
        Targets = new Dictionary<string, string>(),
        Scenarios = [scenario],
    };

    private static StepStats Step(string name, long ok) => new()
    {
        Name = name,
        Requests = ok,
        Ok = ok,
        Latency = new LatencySummary(),
        StatusCodes = new Dictionary<string, long>(),
        ErrorCodes = new Dictionary<string, long>(),
        Timeline = [],
        Percentiles = [],
    };
}
