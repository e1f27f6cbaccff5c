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
}
