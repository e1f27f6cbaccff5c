using System.Diagnostics;
using LoadTests.Engine;
using LoadTests.Reports;
using LoadTests.Scenarios;
using LoadTests.Stats;

namespace LoadTests.Tests.Scenarios;

/// <summary>How dependency-faults judges one answer during a LocalAws fault, and its thresholds on hand-made reports.</summary>
public sealed class DependencyFaultsScenarioTests
{
    [Theory]
    [InlineData("data_store_unavailable")]
    [InlineData("tenant_credentials_rejected")]
    [InlineData("credentials_unavailable")]
    [InlineData("membership_unavailable")]
    public void Classify_503WithRetryAfterAndAStableCode_IsAnInterimAnswerCountedByCode(string code)
    {
        var (response, counters) = Classify(new HttpOutcome(503, code, HasRetryAfter: true, Body($"\"code\":\"{code}\""), 100));

        Assert.False(response.IsOk);
        Assert.Equal(code, response.ErrorCode);
        Assert.Equal(1, counters[code]);
        Assert.Equal(1, counters["interim503"]);
        Assert.False(counters.ContainsKey("unexpectedAnswers"));
    }

    [Fact]
    public void Classify_503WithoutRetryAfter_IsUnexpected()
    {
        var (response, counters) = Classify(new HttpOutcome(503, "data_store_unavailable", HasRetryAfter: false, Body("\"code\":\"data_store_unavailable\""), 100));

        Assert.Equal("data_store_unavailable (no Retry-After)", response.ErrorCode);
        Assert.Equal(1, counters["unexpectedAnswers"]);
        Assert.False(counters.ContainsKey("interim503"));
    }

    [Fact]
    public void Classify_401TenantContextInvalid_IsUnexpectedAndCountedAsSuchAndAsUnscoped()
    {
        // Issue 27: after LocalAws restarted, 1,499 of 1,500 requests were 401 tenant_context_invalid.
        var (response, counters) = Classify(new HttpOutcome(401, "tenant_context_invalid", HasRetryAfter: false, Body("\"code\":\"tenant_context_invalid\""), 100));

        Assert.Equal("tenant_context_invalid", response.ErrorCode);
        Assert.Equal(1, counters["tenantContextInvalid"]);
        Assert.Equal(1, counters["unscoped"]);
        Assert.Equal(1, counters["unexpectedAnswers"]);
    }

    [Fact]
    public void Classify_502Empty_IsUnexpected()
    {
        var (response, counters) = Classify(new HttpOutcome(502, null, HasRetryAfter: false, "", 0));

        Assert.Equal("http_502", response.ErrorCode);
        Assert.Equal(1, counters["unexpectedAnswers"]);
    }

    [Fact]
    public void Classify_200OwnOrganization_IsOk()
    {
        var (response, counters) = Classify(new HttpOutcome(200, null, HasRetryAfter: false, "[{\"organizationId\":\"lto-0000001\"}]", 40));

        Assert.True(response.IsOk);
        Assert.Empty(counters);
    }

    [Fact]
    public void Classify_200WithAnotherOrganization_IsACrossTenantResponse()
    {
        var (response, counters) = Classify(new HttpOutcome(200, null, HasRetryAfter: false, "[{\"organizationId\":\"lto-0000002\"}]", 40));

        Assert.False(response.IsOk);
        Assert.Equal("cross_tenant_content", response.ErrorCode);
        Assert.Equal(1, counters["crossTenantResponses"]);
    }

    [Fact]
    public void Evaluate_RecoveredWithinTheBoundAndOnlyInterimAnswers_Passes()
    {
        var report = DependencyFaultsScenario.Evaluate(Report(recoverySeconds: 2.5, unexpected: 0, tenantContextInvalid: 0, afterRestartFail: 0));

        Assert.True(report.Passed, string.Join("; ", report.Thresholds.Where(t => !t.Passed).Select(t => t.Description)));
    }

    [Fact]
    public void Evaluate_NotRecoveredAfterTheRestart_RecoveryAndAfterRestartThresholdsFail()
    {
        var report = DependencyFaultsScenario.Evaluate(Report(recoverySeconds: 11.05, unexpected: 0, tenantContextInvalid: 0, afterRestartFail: 40));

        Assert.Equal(["recoverySeconds <= 10", "after-restart/list ok% >= 99.9"], report.Thresholds.Where(t => !t.Passed).Select(t => t.Description));
    }

    [Fact]
    public void Evaluate_TenantContextInvalidDuringTheOutage_Fails()
    {
        var report = DependencyFaultsScenario.Evaluate(Report(recoverySeconds: 2.5, unexpected: 5, tenantContextInvalid: 5, afterRestartFail: 0));

        Assert.Equal(["unscopedForwards == 0", "tenantContextInvalid == 0", "unexpectedAnswers == 0"], report.Thresholds.Where(t => !t.Passed).Select(t => t.Description));
    }

    [Fact]
    public void RecoveryNote_FailuresInAfterRestart_SaysNotRecovered()
    {
        var note = DependencyFaultsScenario.RecoveryNote(9.17, 11.05, afterRestartFailures: 40);

        Assert.Contains("NOT recovered by the end of after-restart (40 failed there", note, StringComparison.Ordinal);
    }

    [Fact]
    public void RecoveryNote_AfterRestartClean_GivesTheFigure()
    {
        var note = DependencyFaultsScenario.RecoveryNote(5.8, 1.25, afterRestartFailures: 0);

        Assert.Contains("requests succeeded again 1.25 s after it answered", note, StringComparison.Ordinal);
        Assert.DoesNotContain("NOT", note, StringComparison.Ordinal);
    }

    private static string Body(string member) => "{\"type\":\"about:blank\"," + member + "}";

    private static (StepResponse Response, IReadOnlyDictionary<string, long> Counters) Classify(HttpOutcome outcome)
    {
        var stats = new StatsCollector(Stopwatch.GetTimestamp());
        var context = new ScenarioContext(stats, 0, -1, Stopwatch.GetTimestamp(), TimeSpan.FromSeconds(1), CancellationToken.None);
        var response = DependencyFaultsScenario.Classify(context, outcome, "lto-0000001");
        return (response, stats.SnapshotCounters());
    }

    private static ScenarioReport Report(double recoverySeconds, long unexpected, long tenantContextInvalid, long afterRestartFail) => new()
    {
        Name = DependencyFaultsScenario.ScenarioName,
        Description = "test",
        Phases = [Phase("before", 0), Phase("restart", 300), Phase("after-restart", afterRestartFail), Phase("freeze", 200), Phase("after-freeze", 0)],
        Counters = new Dictionary<string, long>
        {
            ["unscopedForwards"] = tenantContextInvalid,
            ["tenantContextInvalid"] = tenantContextInvalid,
            ["unexpectedAnswers"] = unexpected,
            ["hungRequests"] = 0,
            ["freeze.interim503"] = 200,
        },
        Metrics = new Dictionary<string, double> { ["recoverySeconds"] = recoverySeconds },
    };

    private static ScenarioResult Phase(string name, long fail) => new()
    {
        Name = name,
        Load = "inject 40/s for 1 s",
        Duration = TimeSpan.FromSeconds(1),
        Iterations = 400,
        Counters = new Dictionary<string, long>(),
        Steps =
        [
            new StepStats
            {
                Name = "list",
                Requests = 400,
                Ok = 400 - fail,
                Fail = fail,
                Latency = new LatencySummary(),
                StatusCodes = new Dictionary<string, long>(),
                ErrorCodes = new Dictionary<string, long>(),
                Timeline = [],
                Percentiles = [],
            },
        ],
    };
}
