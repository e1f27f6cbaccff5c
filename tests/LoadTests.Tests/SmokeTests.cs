using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;

namespace LoadTests.Tests;

/// <summary>
/// CI smoke: every scenario for a few seconds with small numbers against the real topology (LocalAws + dynalite, the
/// sample API and the gateway as processes on free loopback ports). Asserts thresholds and report files, not speed.
/// </summary>
public sealed class SmokeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "loadtests-smoke-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task All_SmallNumbers_EveryThresholdHoldsAndReportsAreWritten()
    {
        var (code, log) = await RunAsync(TimeSpan.FromMinutes(4), "all", "--duration", "3s", "--warm-up", "300ms", "--rate", "40", "--connections", "4", "--organizations", "100", "--report", _dir);
        Assert.True(code == LoadTestCommand.Passed, log);
        foreach (var file in new[] { "report.md", "report.json", "report.html" })
        {
            Assert.True(File.Exists(Path.Combine(_dir, file)), $"{file} missing\n{log}");
        }

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        var root = json.RootElement;
        Assert.True(root.GetProperty("passed").GetBoolean(), log);
        Assert.True(root.GetProperty("attacks").GetInt64() > 0, log);
        Assert.Equal(0, root.GetProperty("leaks").GetInt64());
        var scenarios = root.GetProperty("scenarios").EnumerateArray().ToList();
        Assert.Equal(["overhead", "throughput", "isolation", "scale", "sts-outage"], scenarios.Select(s => s.GetProperty("name").GetString()));
        foreach (var scenario in scenarios)
        {
            Assert.True(scenario.GetProperty("passed").GetBoolean(), log);
            Assert.NotEmpty(scenario.GetProperty("thresholds").EnumerateArray());
            Assert.NotEmpty(scenario.GetProperty("phases").EnumerateArray());
        }

        var outage = scenarios.Single(s => s.GetProperty("name").GetString() == "sts-outage");
        Assert.Equal(0, outage.GetProperty("counters").GetProperty("unscopedForwards").GetInt64());
        var html = await File.ReadAllTextAsync(Path.Combine(_dir, "report.html"));
        Assert.Contains("<svg", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScaleOut_SmallNumbers_OneAssumeRolePerKeyAcrossTheFleetAndRedisOutageServed()
    {
        var (code, log) = await RunAsync(TimeSpan.FromMinutes(5), "scale-out", "--duration", "3s", "--warm-up", "300ms", "--rate", "40", "--connections", "8", "--organizations", "100", "--report", _dir);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("instances").GetInt64());
        Assert.Equal(100, root.GetProperty("distinctCredentialKeys").GetInt64());
        var calls = root.GetProperty("assumeRoleCalls").GetInt64();

        // Exactly one AssumeRole per key across the fleet is FleetTests' check (200 concurrent first requests → 1). With
        // 100 keys on a loaded CI machine, one slow Redis operation opens the L2 circuit for a second and lets an
        // instance mint on its own, so this smoke run tolerates the 1.05 x threshold failing — and nothing else.
        Assert.InRange(calls, 100, 150);
        var failed = Assert.Single(root.GetProperty("scenarios").EnumerateArray()).GetProperty("thresholds").EnumerateArray()
            .Where(t => !t.GetProperty("passed").GetBoolean()).Select(t => t.GetProperty("description").GetString()!).ToList();
        Assert.All(failed, d => Assert.Contains("assumeRoleCallsPerKey", d, StringComparison.Ordinal));
        Assert.True(code == LoadTestCommand.Passed || failed.Count > 0, log);
        Assert.Equal(0, root.GetProperty("unscopedForwards").GetInt64());
        Assert.True(root.GetProperty("redisFaultCachedOkPercent").GetDouble() >= 99.9, log);
        var scenario = Assert.Single(root.GetProperty("scenarios").EnumerateArray());
        Assert.Equal(["first-touch", "steady", "redis-fault", "after"], scenario.GetProperty("phases").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Cold_SmallNumbers_EveryFirstRequestServedOnceEachAndThenWarm()
    {
        var (code, log) = await RunAsync(TimeSpan.FromMinutes(3), "cold", "--duration", "2s", "--warm-up", "300ms", "--rate", "20", "--connections", "8", "--report", _dir);
        Assert.True(code == LoadTestCommand.Passed, log);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        var scenario = Assert.Single(json.RootElement.GetProperty("scenarios").EnumerateArray());
        Assert.Equal("cold", scenario.GetProperty("name").GetString());
        Assert.Equal(["cold", "warm"], scenario.GetProperty("phases").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        var counters = scenario.GetProperty("counters");
        Assert.Equal(0, counters.GetProperty("poolExhausted").GetInt64());
        Assert.Equal(0, counters.GetProperty("crossTenantResponses").GetInt64());
        Assert.True(counters.GetProperty("organizations").GetInt64() > 0, log);
        var metrics = scenario.GetProperty("metrics");
        Assert.True(metrics.GetProperty("cold.p50Ms").GetDouble() > 0, log);
        Assert.True(metrics.GetProperty("warm.p50Ms").GetDouble() > 0, log);
    }

    [Fact]
    public async Task RollingRestart_SmallNumbers_EveryInstanceRestartedUnderLoadWithoutAFailedRequest()
    {
        var (code, log) = await RunAsync(TimeSpan.FromMinutes(4), "rolling-restart", "--duration", "3s", "--warm-up", "300ms", "--rate", "30", "--connections", "16", "--organizations", "20", "--report", _dir);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        var root = json.RootElement;
        var scenario = Assert.Single(root.GetProperty("scenarios").EnumerateArray());
        Assert.Equal(["prime", "before", "rolling", "after"], scenario.GetProperty("phases").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(3, root.GetProperty("instances").GetInt64());
        Assert.Equal(3, root.GetProperty("restarts").GetInt64());
        Assert.True(root.GetProperty("requests").GetInt64() > 0, log);
        Assert.True(root.GetProperty("failedRequests").GetInt64() == 0, log);
        Assert.Equal(0, root.GetProperty("crossTenantResponses").GetInt64());
        Assert.Equal(0, root.GetProperty("unscopedForwards").GetInt64());
        Assert.True(code == LoadTestCommand.Passed, log);
    }

    [Fact]
    public async Task NoisyNeighbour_SmallNumbers_FlooderLimitedToItsTierWhileVictimsAreServedAndTheBudgetHolds()
    {
        var (code, log) = await RunAsync(TimeSpan.FromMinutes(5), "noisy-neighbour", "--duration", "12s", "--warm-up", "500ms", "--report", _dir);
        foreach (var file in new[] { "report.md", "report.json", "report.html" })
        {
            Assert.True(File.Exists(Path.Combine(_dir, file)), $"{file} missing\n{log}");
        }

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        var root = json.RootElement;
        var scenario = Assert.Single(root.GetProperty("scenarios").EnumerateArray());
        Assert.Equal(
            ["prime", "warm", "baseline", "flood", "storm", "serve-cost-1", "reject-cost-1", "floor-cost-1", "floor-cost-2", "reject-cost-2", "serve-cost-2"],
            scenario.GetProperty("phases").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(1, root.GetProperty("instances").GetInt64());

        // Deny: the flooder, offered 21 x its tier's 6 req/s, is cut to its limit (not served at the offered rate).
        var limit = root.GetProperty("flooderLimitPerSecond").GetDouble();
        Assert.Equal(6, limit);
        var requests = root.GetProperty("flooderRequests").GetInt64();
        var rejected = root.GetProperty("flooderRejected").GetInt64();
        Assert.True(rejected >= requests * 0.8, log);
        var admitted = root.GetProperty("flooderAdmittedPerSecond").GetDouble();
        Assert.InRange(admitted, limit * 0.5, limit * 1.5);

        // Allow twin: the other organizations, at the same moments, are all served; the flooder is limited, not blocked.
        Assert.True(root.GetProperty("victimErrors").GetInt64() == 0, log);
        Assert.True(root.GetProperty("victimBaselineP99Ms").GetDouble() > 0, log);
        Assert.True(root.GetProperty("victimP99Ms").GetDouble() > 0, log);
        var counters = scenario.GetProperty("counters");
        Assert.True(counters.GetProperty("victimRequests").GetInt64() > 0, log);
        Assert.True(counters.GetProperty("victimOrganizations").GetInt64() >= 20, log);
        Assert.True(counters.GetProperty("victimNewUsers").GetInt64() > 0, log);

        // The storm's AssumeRoles stayed within the budget (Sts:MaxAssumeRolePerSecond 3), and some were made.
        var perSecond = root.GetProperty("assumeRolePerSecondMax").GetInt64();
        Assert.InRange(perSecond, 1, 3);
        Assert.True(counters.GetProperty("assumeRoleCalls.storm").GetInt64() > 0, log);
        Assert.Equal(0, root.GetProperty("unscopedForwards").GetInt64());
        Assert.True(root.GetProperty("cpuMicrosecondsPerServed").GetDouble() > 0, log);
        Assert.True(root.GetProperty("cpuMicrosecondsPerRejected").GetDouble() > 0, log);

        // On this shared machine a 3 s phase's p99 and a 3 s admitted count are noisy: those two thresholds may fail here
        // (the explicit bounds above still hold); nothing else may.
        var failed = scenario.GetProperty("thresholds").EnumerateArray()
            .Where(t => !t.GetProperty("passed").GetBoolean()).Select(t => t.GetProperty("description").GetString()!).ToList();
        Assert.All(failed, d => Assert.True(d.StartsWith("victimP99Ms / victimBaselineP99Ms", StringComparison.Ordinal) || d.StartsWith("flooderAdmittedPerSecond", StringComparison.Ordinal), log));
        Assert.True(code == LoadTestCommand.Passed || failed.Count > 0, log);
    }

    [Fact]
    public async Task HotTenant_SmallNumbers_ThrottledUnshardedNotShardedAfterTheReshardAndNoLeak()
    {
        var (code, log) = await RunAsync(TimeSpan.FromMinutes(6), "hot-tenant", "--duration", "8s", "--warm-up", "1s", "--organizations", "4", "--rate", "8", "--report", _dir);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        var root = json.RootElement;
        var scenario = Assert.Single(root.GetProperty("scenarios").EnumerateArray());
        // The sharded phase runs only when the reshard CLI exited 0 and the gateway then served the organization sharded;
        // on failure the runner's log (with the reshard's own line: exit code, check, endpoint) is the message.
        var counters = scenario.GetProperty("counters");
        var phases = scenario.GetProperty("phases").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.True(phases.SequenceEqual(["prime", "warm", "unsharded", "reshard", "sharded"]), $"phases {string.Join(", ", phases)}; reshard exit {counters.GetProperty("reshardExitCode")}\n{log}");

        // Deny: one key's budget is exceeded unsharded (LocalAws refused requests; the API said so with a clear status).
        Assert.True(root.GetProperty("throttledUnsharded").GetInt64() > 0, log);
        Assert.True(counters.GetProperty("hotThrottledAnswersUnsharded").GetInt64() > 0, log);

        // Allow twin: after the reshard (the CLI, under traffic) the same load fits the 8 keys.
        Assert.Equal(0, counters.GetProperty("reshardExitCode").GetInt64());
        Assert.Equal(8, counters.GetProperty("hotShards").GetInt64());
        Assert.True(root.GetProperty("throttledSharded").GetInt64() * 10 <= root.GetProperty("throttledUnsharded").GetInt64(), log);
        Assert.Equal(48, counters.GetProperty("hotSeededItemsFound").GetInt64());
        Assert.True(root.GetProperty("hotP99UnshardedMs").GetDouble() > 0, log);
        Assert.True(root.GetProperty("hotP99ShardedMs").GetDouble() > 0, log);

        // Others steady and never told the hot organization is migrating; attacks (look-alike and foreign shard keys) tried and denied.
        Assert.True(root.GetProperty("othersP99Ms").GetDouble() > 0, log);
        Assert.True(counters.GetProperty("othersRequests").GetInt64() > 0, log);
        Assert.Equal(0, counters.GetProperty("othersMigrating").GetInt64());
        Assert.True(counters.GetProperty("attacks").GetInt64() > 0, log);
        Assert.True(counters.GetProperty("attacksDenied").GetInt64() > 0, log);
        Assert.Equal(0, root.GetProperty("crossTenantLeaks").GetInt64());
        Assert.Equal(0, counters.GetProperty("unscopedForwards").GetInt64());

        // On this overloaded 2-core machine a request may time out or meet a dependency's 503 (and a create whose timed-out
        // first attempt was applied answers 500 on its retry): those two thresholds may fail here; nothing else may.
        var failed = scenario.GetProperty("thresholds").EnumerateArray()
            .Where(t => !t.GetProperty("passed").GetBoolean()).Select(t => t.GetProperty("description").GetString()!).ToList();
        Assert.All(failed, d => Assert.True(d.StartsWith("othersOkPercent", StringComparison.Ordinal) || d.StartsWith("hotUnexpectedAnswers", StringComparison.Ordinal), log));
        Assert.True(code == LoadTestCommand.Passed || failed.Count > 0, log);
    }

    [Fact]
    public async Task DependencyFaults_SmallNumbers_InterimAnswersAre503WithStableCodesAndRequestsSucceedAgain()
    {
        var (code, log) = await RunAsync(TimeSpan.FromMinutes(4), "dependency-faults", "--duration", "3s", "--warm-up", "300ms", "--rate", "30", "--connections", "16", "--report", _dir);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        var scenario = Assert.Single(json.RootElement.GetProperty("scenarios").EnumerateArray());
        Assert.Equal(["prime", "before", "restart", "after-restart", "freeze", "after-freeze"], scenario.GetProperty("phases").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        var counters = scenario.GetProperty("counters");
        Assert.Equal(0, counters.GetProperty("tenantContextInvalid").GetInt64());
        Assert.Equal(0, counters.GetProperty("unscopedForwards").GetInt64());
        Assert.True(counters.GetProperty("unexpectedAnswers").GetInt64() == 0, log);
        Assert.True(counters.GetProperty("freeze.interim503").GetInt64() > 0, log);
        Assert.True(scenario.GetProperty("metrics").GetProperty("recoverySeconds").GetDouble() <= 10, log);
        Assert.True(code == LoadTestCommand.Passed, log);
    }

    /// <summary>Runs the load-test command in-process with a plain (no ANSI) console; returns its exit code and a log for assertion messages.</summary>
    private static async Task<(int Code, string Log)> RunAsync(TimeSpan limit, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(limit);

        var code = await LoadTestCommand.RunAsync(args, timeout.Token, console, error);

        return (code, $"exit {code} after {clock.Elapsed}\nstderr: {error}\n{output}");
    }
}
