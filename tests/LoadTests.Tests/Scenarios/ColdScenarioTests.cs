using LoadTests.Cli;
using LoadTests.Scenarios;
using LoadTests.Topology;

namespace LoadTests.Tests.Scenarios;

/// <summary>
/// The cold scenario measures the cold path, not the AssumeRole budget: the runner's gateway gets a budget above the
/// offered rate of new organizations (2 × the rate, 100–600), only for <c>cold</c>.
/// </summary>
public sealed class ColdScenarioTests
{
    [Theory]
    [InlineData(null, "200")] // the documented default: 100 new organizations/s
    [InlineData(100.0, "200")]
    [InlineData(20.0, "100")] // never below the shipped budget
    [InlineData(250.0, "500")]
    [InlineData(400.0, "600")] // never above what the gateway accepts
    public void GatewayEnvironment_Cold_AssumeRoleBudgetTwiceTheRate_WithinTheShippedAndTheMaximum(double? rate, string expected)
    {
        var environment = TopologyStarter.GatewayEnvironment(new RunOptions { Scenario = "cold", Rate = rate });

        Assert.Equal(expected, environment[ColdScenario.BudgetSetting]);
    }

    [Theory]
    [InlineData("throughput")]
    [InlineData("overhead")]
    [InlineData("sts-outage")]
    public void GatewayEnvironment_OtherScenarios_KeepTheShippedAssumeRoleBudget(string scenario)
    {
        var environment = TopologyStarter.GatewayEnvironment(new RunOptions { Scenario = scenario, Rate = 100 });

        Assert.False(environment.ContainsKey(ColdScenario.BudgetSetting));
    }

    [Fact]
    public void GatewayEnvironment_NoisyNeighbour_KeepsItsOwnBudget_NotTheColdOne()
    {
        var environment = TopologyStarter.GatewayEnvironment(new RunOptions { Scenario = "noisy-neighbour", Rate = 100 });

        Assert.Equal("3", environment[ColdScenario.BudgetSetting]);
    }

    [Theory]
    [InlineData(500.0, 10, 5_000, true)] // still tiering up: another second
    [InlineData(19.0, 10, 5_000, false)] // settled
    [InlineData(20.0, 10, 5_000, true)]
    [InlineData(500.0, 60, 5_000, false)] // the longest warm-up
    [InlineData(500.0, 59, 5_000, true)]
    [InlineData(500.0, 10, 1_219, false)] // another second would take organizations the cold phase needs
    [InlineData(500.0, 10, 1_220, true)]
    public void KeepWarming_UntilTheJitSettled_BoundedInTimeAndByThePool(double jitPerSecond, int warmedSeconds, int left, bool expected)
    {
        // 100 new organizations/s; the measured phase needs 1,110 of them; a second of warm-up takes 110.
        Assert.Equal(expected, ColdScenario.KeepWarming(jitPerSecond, TimeSpan.FromSeconds(warmedSeconds), left, keepForPhase: 1_110, rate: 100));
    }

    [Fact]
    public void KeepWarming_JitCountUnreadable_Stops()
    {
        Assert.False(ColdScenario.KeepWarming(null, TimeSpan.FromSeconds(2), 5_000, keepForPhase: 1_110, rate: 100));
    }
}
