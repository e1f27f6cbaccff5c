using Amazon.DynamoDBv2.Model;
using Gateway.Migration.Resharding;

namespace Gateway.Migration.Tests.Resharding;

public sealed class RecommendCommandTests
{
    [Theory]
    // writes/s, reads/s, average item bytes, current shards → suggested (target utilization 0.5: 500 WCU / 1,500 RCU per key)
    [InlineData(100, 100, 200, 1, 1)]       // well within one key
    [InlineData(500, 0, 200, 1, 1)]         // exactly at the target
    [InlineData(501, 0, 200, 1, 2)]         // just over it
    [InlineData(3000, 0, 200, 1, 8)]        // 6 keys' worth → 8
    [InlineData(0, 9000, 3000, 1, 8)]       // 9,000 reads of 1 RCU = 6 keys → 8
    [InlineData(0, 9000, 5000, 1, 16)]      // 5 KB items: 2 RCU each → 12 keys → 16
    [InlineData(1000, 0, 1500, 1, 4)]       // 1.5 KB items: 2 WCU each → 4 keys
    [InlineData(10, 10, 200, 8, 1)]         // could go down
    public void Recommend_Formula_SmallestPowerOfTwoWithinTheBudget(double writes, double reads, long averageBytes, int shards, int expected)
    {
        var row = RecommendCommand.Recommend("acme", "ACTIVE", shards, 10, 10 * averageBytes, averageBytes, (reads, writes), 0.5);

        Assert.Equal(expected, row.Suggested);
        Assert.True(row.WriteUnitsPerKeyNeeded <= 500 && row.ReadUnitsPerKeyNeeded <= 1500, $"{row}");
        Assert.Equal(expected == shards ? "keep" : expected > shards ? $"reshard --organization acme --shards {expected}" : $"could go down: reshard --organization acme --shards {expected}", row.Advice);
    }

    [Fact]
    public void Recommend_BeyondSixtyFourKeys_SaysSo()
    {
        var row = RecommendCommand.Recommend("acme", "ACTIVE", 1, 1, 100, 100, (0, 40_000), 0.5);

        Assert.Equal(64, row.Suggested);
        Assert.Equal("needs 80 keys: more than 64 shards can give", row.Advice);
    }

    [Fact]
    public void Recommend_NoRates_NoSuggestion()
    {
        var row = RecommendCommand.Recommend("acme", "ACTIVE", 2, 5, 500, 100, null, 0.5);

        Assert.Null(row.Suggested);
        Assert.Equal("no request rates (give --metrics)", row.Advice);
    }

    [Fact]
    public async Task ReadCounters_PrometheusText_ByOrganizationAndAccess()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllLinesAsync(file,
        [
            "# HELP gateway_organization_requests_total Forwarded tenant requests.",
            "# TYPE gateway_organization_requests_total counter",
            "gateway_organization_requests_total{organization=\"acme\",access=\"read\",otel_scope_name=\"gateway\"} 1200 1733560000000",
            "gateway_organization_requests_total{access=\"write\",organization=\"acme\"} 300",
            "gateway_organization_requests_total{organization=\"glo\\\"bex\"} 7",
            "gateway_organization_requests_total_created{organization=\"acme\",access=\"read\"} 1733500000",
            "gateway_requests_total{outcome=\"allow\"} 99999",
        ]);

        var counters = await RecommendCommand.ReadCountersAsync(file, RecommendCommand.DefaultMetric, CancellationToken.None);
        File.Delete(file);

        Assert.Equal(3, counters.Count);
        Assert.Equal(1200, counters[("acme", false)]);
        Assert.Equal(300, counters[("acme", true)]);
        Assert.Equal(7, counters[("glo\"bex", true)]); // no access label: counted as writes, the costlier side
    }

    [Fact]
    public void ItemSize_AsDynamoDbBillsIt()
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["organizationId"] = new("acme"),           // 14 + 4
            ["seats"] = new() { N = "12345" },          // 5 + 4
            ["ok"] = new() { BOOL = true },             // 2 + 1
        };

        Assert.Equal(18 + 9 + 3, RecommendCommand.ItemSize(item));
    }
}
