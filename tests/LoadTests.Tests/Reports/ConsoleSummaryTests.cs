using LoadTests.Reports;
using LoadTests.Tests.Thresholds;
using LoadTests.Thresholds;

namespace LoadTests.Tests.Reports;

public sealed class ConsoleSummaryTests
{
    private static ScenarioReport WideReport()
    {
        var report = ThresholdTests.Report(leaks: 0, ok: 123456789, fail: 98765);
        var phase = report.Phases[0];
        var step = phase.Steps[0];
        var steps = Enumerable.Range(0, 28)
            .Select(i => step with
            {
                Name = $"cross-tenant-attack-number-{i:D2}-with-a-long-name",
                Rps = 123456.7,
                ErrorCodes = new Dictionary<string, long> { ["not_a_member"] = 5, ["tenant_access_denied"] = 7, ["organization_suspended"] = 9, ["credentials_unavailable"] = 11 },
            })
            .ToList();
        return (report with
        {
            Phases = [phase with { Name = "isolation-under-load", Steps = steps }],
            Notes = ["A note long enough to need wrapping: " + string.Join(' ', Enumerable.Repeat("word", 40)), new string('x', 200)],
        }).WithThresholds([Threshold.Metric("a-metric-with-a-rather-long-name-that-goes-on-and-on-and-on", Comparison.Equal, 0)]);
    }

    [Fact]
    public void Lines_WideReport_EveryLineAtMost80Characters()
    {
        var lines = ConsoleSummary.Lines(WideReport());

        Assert.All(lines, line => Assert.True(line.Length <= 80, $"{line.Length} characters: {line}"));
    }

    [Fact]
    public void Lines_LongStepNames_KeepsEveryNameWholeAndEveryNumber()
    {
        var text = string.Join('\n', ConsoleSummary.Lines(WideReport()));

        for (var i = 0; i < 28; i++)
        {
            Assert.Contains($"isolation-under-load/cross-tenant-attack-number-{i:D2}-with-a-long-name", text, StringComparison.Ordinal);
        }

        Assert.Contains("123555554", text, StringComparison.Ordinal); // requests = ok + fail
        Assert.Contains("123456.7", text, StringComparison.Ordinal);
        Assert.Contains("credentials_unavailable:11", text, StringComparison.Ordinal);
        Assert.Contains("FAIL a-metric-with-a-rather-long-name", text, StringComparison.Ordinal);
    }
}
