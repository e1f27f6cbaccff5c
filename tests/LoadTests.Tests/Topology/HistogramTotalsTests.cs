using LoadTests.Scenarios;
using LoadTests.Topology;

namespace LoadTests.Tests.Topology;

public sealed class HistogramTotalsTests
{
    private const string Before = """
        # TYPE gateway_tenant_stage_duration_seconds histogram
        gateway_tenant_stage_duration_seconds_bucket{otel_scope_name="Gateway",stage="decision",le="0.001"} 5
        gateway_tenant_stage_duration_seconds_sum{otel_scope_name="Gateway",stage="decision"} 0.010
        gateway_tenant_stage_duration_seconds_count{otel_scope_name="Gateway",stage="decision"} 10
        gateway_tenant_stage_duration_seconds_sum{otel_scope_name="Gateway",stage="membership_read"} 0.002
        gateway_tenant_stage_duration_seconds_count{otel_scope_name="Gateway",stage="membership_read"} 2
        gateway_sts_duration_seconds_sum{otel_scope_name="Gateway"} 0.004
        gateway_sts_duration_seconds_count{otel_scope_name="Gateway"} 2
        http_server_request_duration_seconds_sum{http_request_method="GET",http_route="/orgs/{organizationId}/{**rest}",http_response_status_code="200"} 0.1
        http_server_request_duration_seconds_count{http_request_method="GET",http_route="/orgs/{organizationId}/{**rest}",http_response_status_code="200"} 10
        http_server_request_duration_seconds_sum{http_request_method="GET",http_route="/metrics",http_response_status_code="200"} 5
        http_server_request_duration_seconds_count{http_request_method="GET",http_route="/metrics",http_response_status_code="200"} 1
        """;

    private const string After = """
        gateway_tenant_stage_duration_seconds_sum{otel_scope_name="Gateway",stage="decision"} 0.110
        gateway_tenant_stage_duration_seconds_count{otel_scope_name="Gateway",stage="decision"} 60
        gateway_tenant_stage_duration_seconds_sum{otel_scope_name="Gateway",stage="membership_read"} 0.052
        gateway_tenant_stage_duration_seconds_count{otel_scope_name="Gateway",stage="membership_read"} 27
        gateway_sts_duration_seconds_sum{otel_scope_name="Gateway"} 0.104
        gateway_sts_duration_seconds_count{otel_scope_name="Gateway"} 52
        http_server_request_duration_seconds_sum{http_request_method="GET",http_route="/orgs/{organizationId}/{**rest}",http_response_status_code="200"} 0.3
        http_server_request_duration_seconds_count{http_request_method="GET",http_route="/orgs/{organizationId}/{**rest}",http_response_status_code="200"} 40
        http_server_request_duration_seconds_sum{http_request_method="GET",http_route="/orgs/{organizationId}/{**rest}",http_response_status_code="503"} 0.1
        http_server_request_duration_seconds_count{http_request_method="GET",http_route="/orgs/{organizationId}/{**rest}",http_response_status_code="503"} 10
        http_server_request_duration_seconds_sum{http_request_method="GET",http_route="/metrics",http_response_status_code="200"} 9
        http_server_request_duration_seconds_count{http_request_method="GET",http_route="/metrics",http_response_status_code="200"} 2
        """;

    [Fact]
    public void MeanMs_DeltaOfSumOverDeltaOfCount_OnlyTheLabelledSeries()
    {
        var before = HistogramTotals.Parse(Before);
        var after = HistogramTotals.Parse(After);

        Assert.Equal(2.0, HistogramTotals.MeanMs(before, after, ColdScenario.Stage, "stage=\"decision\""), 6);
        Assert.Equal(50, HistogramTotals.Observations(before, after, ColdScenario.Stage, "stage=\"decision\""));
        Assert.Equal(2.0, HistogramTotals.MeanMs(before, after, ColdScenario.Stage, "stage=\"membership_read\""), 6);
        Assert.Equal(2.0, HistogramTotals.MeanMs(before, after, ColdScenario.Sts), 6);
        // Both status codes of the organizations route ((0.3 + 0.1 − 0.1) s ÷ (40 + 10 − 10)), never the /metrics scrapes (4 s each).
        Assert.Equal(7.5, HistogramTotals.MeanMs(before, after, ColdScenario.GatewayRequest, ColdScenario.OrganizationsRoute), 6);
    }

    [Fact]
    public void MeanMs_NoObservationsOrNoScrape_Zero()
    {
        var before = HistogramTotals.Parse(Before);

        Assert.Equal(0, HistogramTotals.MeanMs(before, before, ColdScenario.Stage, "stage=\"decision\""));
        Assert.Equal(0, HistogramTotals.MeanMs(null, before, ColdScenario.Stage, "stage=\"decision\""));
        Assert.Equal(0, HistogramTotals.MeanMs(before, HistogramTotals.Parse(After), ColdScenario.Stage, "stage=\"organization_read\""));
    }

    [Fact]
    public void StageMetrics_OutsideTheDecisionAndTheGateway_AreTheDifferences()
    {
        var metrics = ColdScenario.StageMetrics("cold", 25, HistogramTotals.Parse(Before), HistogramTotals.Parse(After)).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);

        Assert.Equal(7.5, metrics["cold.gatewayMeanMs"], 6);
        Assert.Equal(2.0, metrics["cold.decisionMeanMs"], 6);
        Assert.Equal(5.5, metrics["cold.outsideDecisionMeanMs"], 6);
        Assert.Equal(17.5, metrics["cold.outsideGatewayMeanMs"], 6);
        Assert.Equal(25, metrics["cold.membershipReads"]);
    }
}
