using System.Text.Json;
using LoadTests.Reports;
using LoadTests.Scenarios;
using LoadTests.Stats;

namespace LoadTests.Tests.Scenarios;

/// <summary>The hot-tenant thresholds (each failing case with its passing twin), answer classification and top-level report.json fields, on hand-made values.</summary>
public sealed class HotTenantScenarioTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "loadtests-hot-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void Evaluate_ThrottledUnshardedNoneShardedNoLeaks_Passes()
    {
        var report = HotTenantScenario.Evaluate(Report());

        Assert.True(report.Passed, string.Join("; ", report.Thresholds.Where(t => !t.Passed).Select(t => t.Description)));
    }

    [Theory]
    [InlineData("throttledUnsharded", 0, "throttledUnsharded > 0")]
    [InlineData("crossTenantLeaks", 1, "crossTenantLeaks == 0")]
    [InlineData("attacks", 0, "attacks > 0")]
    [InlineData("reshardExitCode", 1, "reshardExitCode == 0")]
    [InlineData("hotShards", 1, "hotShards == 8")]
    [InlineData("hotSeededItemsFound", 47, "hotSeededItemsFound == 48")]
    [InlineData("hotDuplicateItems", 1, "hotDuplicateItems == 0")]
    [InlineData("hotUnexpectedAnswers", 1, "hotUnexpectedAnswers == 0")]
    [InlineData("othersRequests", 0, "othersRequests > 0")]
    [InlineData("othersMigrating", 1, "othersMigrating == 0")]
    [InlineData("unscopedForwards", 1, "unscopedForwards == 0")]
    public void Evaluate_OneCounterOutOfBounds_ThatThresholdFails(string counter, long value, string failing)
    {
        var report = HotTenantScenario.Evaluate(Report(counter: (counter, value)));

        Assert.Equal([failing], report.Thresholds.Where(t => !t.Passed).Select(t => t.Description));
    }

    [Theory]
    [InlineData(99.0, true)]
    [InlineData(100.0, true)]
    [InlineData(98.9, false)]
    public void Evaluate_OthersServed_AtLeast99Percent(double okPercent, bool passes)
    {
        var report = HotTenantScenario.Evaluate(Report(metric: ("othersOkPercent", okPercent)));

        Assert.Equal(passes, report.Passed);
        Assert.Equal(passes, Assert.Single(report.Thresholds, t => t.Description == "othersOkPercent >= 99").Passed);
    }

    [Theory]
    [InlineData(0.1, true)] // 10 x less: the limit holds
    [InlineData(0.0, true)] // none sharded
    [InlineData(0.11, false)]
    [InlineData(1.0, false)] // sharding changed nothing
    public void Evaluate_ShardedThrottling_AtMostATenthOfUnsharded(double ratio, bool passes)
    {
        var report = HotTenantScenario.Evaluate(Report(metric: ("throttledShardedToUnsharded", ratio)));

        var threshold = Assert.Single(report.Thresholds, t => t.Description == "throttledSharded / throttledUnsharded <= 0.1");
        Assert.Equal(passes, threshold.Passed);
        Assert.Equal(passes, report.Passed);
    }

    [Fact]
    public void Evaluate_NoShardedPhase_ReductionAndCountsFail()
    {
        // The reshard did not happen (e.g. the CLI failed): no sharded figures, so the scenario cannot pass on them.
        var report = Report(counter: ("reshardExitCode", 2));
        report = report with { Metrics = report.Metrics.Where(m => m.Key != "throttledShardedToUnsharded").ToDictionary() };

        var evaluated = HotTenantScenario.Evaluate(report);

        Assert.Equal(["throttledSharded / throttledUnsharded <= 0.1", "reshardExitCode == 0"], evaluated.Thresholds.Where(t => !t.Passed).Select(t => t.Description));
    }

    [Theory]
    [InlineData(200, null, false, "Unsharded", "Served")]
    [InlineData(503, "data_store_throttled", true, "Unsharded", "Throttled")]
    [InlineData(503, "data_store_throttled", false, "Unsharded", "Unexpected")] // no Retry-After
    [InlineData(500, null, false, "Unsharded", "Unexpected")] // throttling as a bare 500
    [InlineData(503, "organization_migrating", true, "Resharding", "Migrating")]
    [InlineData(503, "organization_migrating", true, "Sharded", "Unexpected")] // not after the reshard
    [InlineData(503, "membership_unavailable", true, "Sharded", "Interim")]
    [InlineData(403, "tenant_access_denied", false, "Sharded", "Unexpected")]
    [InlineData(404, "application_not_found", false, "Sharded", "AlreadyGone")]
    [InlineData(404, null, false, "Sharded", "Unexpected")]
    public void Classify_HotAnswers(int status, string? code, bool retryAfter, string stage, string expected)
    {
        var answer = HotTenantScenario.Classify(new HttpOutcome(status, code, retryAfter, null, 0), Enum.Parse<HotTenantScenario.Stage>(stage));

        Assert.Equal(Enum.Parse<HotTenantScenario.HotAnswer>(expected), answer);
    }

    [Fact]
    public void AttackKinds_LookAlikesAndForeignShardKeys_OwnShardKeyOnlyBeforeTheReshard()
    {
        var unsharded = HotTenantScenario.AttackKinds(HotTenantScenario.Stage.Unsharded).Select(k => k.Kind).ToList();
        var sharded = HotTenantScenario.AttackKinds(HotTenantScenario.Stage.Sharded).Select(k => k.Kind).ToList();

        Assert.Equal(["other-key", "other-shard-key", "lookalike-shard-key", "lookalike-key", "beyond-shards", "other-path"], sharded);
        Assert.Equal([.. sharded, "shard-key-before-reshard"], unsharded);
    }

    [Fact]
    public void MaxP99_HighestOfTheStepsThatRan()
    {
        var phase = new ScenarioResult
        {
            Name = "unsharded",
            Load = "test",
            Counters = new Dictionary<string, long>(),
            Steps = [Step("hot-create", 10, 120.5), Step("hot-list", 10, 300.25), Step("hot-delete", 0, 999)],
        };

        Assert.Equal(300.25, HotTenantScenario.MaxP99(phase, ["hot-create", "hot-delete", "hot-list"]));
        Assert.Null(HotTenantScenario.MaxP99(phase, ["others-list"]));
    }

    [Fact]
    public async Task WriteAsync_HotTenant_JsonHasTheFieldsAtTopLevel()
    {
        await ReportWriter.WriteAsync(Run(HotTenantScenario.Evaluate(Report())), _dir, CancellationToken.None);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        var root = json.RootElement;
        Assert.Equal(1500, root.GetProperty("throttledUnsharded").GetInt64());
        Assert.Equal(0, root.GetProperty("throttledSharded").GetInt64());
        Assert.Equal(950.5, root.GetProperty("hotP99UnshardedMs").GetDouble());
        Assert.Equal(40.25, root.GetProperty("hotP99ShardedMs").GetDouble());
        Assert.Equal(30.5, root.GetProperty("othersP99Ms").GetDouble());
        Assert.Equal(0, root.GetProperty("crossTenantLeaks").GetInt64());
    }

    [Fact]
    public async Task WriteAsync_OtherScenario_JsonHasNoHotTenantFields()
    {
        await ReportWriter.WriteAsync(Run(Report() with { Name = "throughput" }), _dir, CancellationToken.None);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        foreach (var field in new[] { "throttledUnsharded", "throttledSharded", "hotP99UnshardedMs", "hotP99ShardedMs", "othersP99Ms", "crossTenantLeaks" })
        {
            Assert.False(json.RootElement.TryGetProperty(field, out _), field);
        }
    }

    private static ScenarioReport Report((string Name, long Value)? counter = null, (string Name, double Value)? metric = null)
    {
        var counters = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["throttledUnsharded"] = 1500,
            ["throttledSharded"] = 0,
            ["crossTenantLeaks"] = 0,
            ["attacks"] = 120,
            ["reshardExitCode"] = 0,
            ["hotShards"] = 8,
            ["hotSeededItemsFound"] = 48,
            ["hotDuplicateItems"] = 0,
            ["hotUnexpectedAnswers"] = 0,
            ["othersRequests"] = 900,
            ["othersErrors"] = 0,
            ["othersMigrating"] = 0,
            ["unscopedForwards"] = 0,
        };
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["throttledShardedToUnsharded"] = 0,
            ["othersOkPercent"] = 100,
            ["hotP99UnshardedMs"] = 950.5,
            ["hotP99ShardedMs"] = 40.25,
            ["othersP99Ms"] = 30.5,
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
            Name = HotTenantScenario.ScenarioName,
            Description = "test",
            Phases = [new ScenarioResult { Name = "prime", Load = "keep constant", Counters = new Dictionary<string, long>(), Steps = [Step("prime", 9, 1)] }],
            Counters = counters,
            Metrics = metrics,
        };
    }

    private static RunReport Run(ScenarioReport scenario) => new()
    {
        StartedAt = DateTimeOffset.UnixEpoch,
        Command = "LoadTests hot-tenant",
        Machine = "test",
        Targets = new Dictionary<string, string>(),
        Scenarios = [scenario],
    };

    private static StepStats Step(string name, long ok, double p99) => new()
    {
        Name = name,
        Requests = ok,
        Ok = ok,
        Latency = new LatencySummary { P99Ms = p99 },
        StatusCodes = new Dictionary<string, long>(),
        ErrorCodes = new Dictionary<string, long>(),
        Timeline = [],
        Percentiles = [],
    };
}
