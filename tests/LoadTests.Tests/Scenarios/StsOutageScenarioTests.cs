using LoadTests.Scenarios;

namespace LoadTests.Tests.Scenarios;

public sealed class StsOutageScenarioTests
{
    [Fact]
    public void RecoveryNote_CircuitOpenWhenTheFaultCleared_SaysTheFigureIncludesTheRestOfTheBreak()
    {
        // Issue 20: the report quoted one recovery figure (0.63 s) while 7.34 s was seen in another run; the breaker
        // holds 10 s. The note must say what the figure measures and why it varies.
        var note = StsOutageScenario.RecoveryNote(TimeSpan.FromSeconds(7.34), recovered: true, circuitStateAtClear: 1);

        Assert.StartsWith("Recovery: 7.34 s from clearing the STS fault to the first success for an organization refused during the outage", note, StringComparison.Ordinal);
        Assert.Contains("circuit was open when the fault was cleared", note, StringComparison.Ordinal);
        Assert.Contains("TenantIsolation:Sts:CircuitBreakDuration", note, StringComparison.Ordinal);
    }

    [Fact]
    public void RecoveryNote_CircuitClosedWhenTheFaultCleared_SaysItIsTheFirstSuccessfulAssumeRole()
    {
        var note = StsOutageScenario.RecoveryNote(TimeSpan.FromSeconds(0.63), recovered: true, circuitStateAtClear: 0);

        Assert.Contains("0.63 s", note, StringComparison.Ordinal);
        Assert.Contains("circuit was closed", note, StringComparison.Ordinal);
        Assert.DoesNotContain("NOT recovered", note, StringComparison.Ordinal);
    }

    [Fact]
    public void RecoveryNote_NotRecovered_SaysSo()
    {
        var note = StsOutageScenario.RecoveryNote(TimeSpan.FromSeconds(60), recovered: false, circuitStateAtClear: null);

        Assert.Contains("NOT recovered within 60 s", note, StringComparison.Ordinal);
        Assert.Contains("not readable from /metrics", note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gateway_sts_circuit_state{otel_scope_name=\"Gateway\"} 1", 1)]
    [InlineData("# TYPE gateway_sts_circuit_state gauge\ngateway_sts_circuit_state{otel_scope_name=\"Gateway\"} 0 1764000000000", 0)]
    [InlineData("gateway_sts_circuit_state 2", 2)]
    [InlineData("gateway_sts_circuit_state_other 1\ngateway_sts_failures_total 3", null)]
    public void ParseCircuitState_ReadsThePrometheusGauge(string metrics, int? expected) =>
        Assert.Equal(expected, StsOutageScenario.ParseCircuitState(metrics));
}
