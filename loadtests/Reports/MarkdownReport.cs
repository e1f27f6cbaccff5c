using System.Globalization;
using System.Text;
using LoadTests.Stats;

namespace LoadTests.Reports;

/// <summary>report.md: one table per phase, metrics, thresholds.</summary>
internal static class MarkdownReport
{
    public const string StepTableHeader =
        "| step | requests | ok | fail | RPS | min ms | mean ms | p50 ms | p75 ms | p95 ms | p99 ms | max ms | status codes | error codes |";

    public static string Render(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        sb.AppendLine("# Load test report").AppendLine();
        Line(sb, $"- started: {report.StartedAt:yyyy-MM-dd HH:mm:ss} UTC");
        Line(sb, $"- command: `{report.Command}`");
        Line(sb, $"- machine: {report.Machine}");
        foreach (var (name, url) in report.Targets)
        {
            Line(sb, $"- {name}: {url}");
        }

        Line(sb, $"- result: **{(report.Passed ? "PASSED" : "FAILED")}**");
        if (report.Attacks is { } attacks)
        {
            Line(sb, $"- isolation: {attacks} attacks tried, {report.Leaks ?? 0} leaked");
        }

        foreach (var scenario in report.Scenarios)
        {
            sb.AppendLine();
            Line(sb, $"## {scenario.Name} — {(scenario.Passed ? "passed" : "FAILED")}");
            sb.AppendLine().AppendLine(scenario.Description).AppendLine();
            foreach (var phase in scenario.Phases)
            {
                Line(sb, $"### {phase.Name}: {phase.Load}, measured {phase.Duration.TotalSeconds:0.0} s, {phase.Iterations} iterations");
                sb.AppendLine();
                sb.Append(StepTable(phase.Steps));
                sb.AppendLine();
            }

            if (scenario.Counters.Count + scenario.Metrics.Count > 0)
            {
                sb.AppendLine("| metric | value |").AppendLine("|---|---:|");
                foreach (var (name, value) in scenario.Counters)
                {
                    Line(sb, $"| {name} | {value} |");
                }

                foreach (var (name, value) in scenario.Metrics)
                {
                    Line(sb, $"| {name} | {value:0.###} |");
                }

                sb.AppendLine();
            }

            if (scenario.Thresholds.Count > 0)
            {
                sb.AppendLine("| threshold | actual | result |").AppendLine("|---|---:|---|");
                foreach (var t in scenario.Thresholds)
                {
                    Line(sb, $"| {t.Description} | {(t.Actual is { } a ? a.ToString("0.###", CultureInfo.InvariantCulture) : "no data")} | {(t.Passed ? "pass" : "**FAIL**")} |");
                }

                sb.AppendLine();
            }

            foreach (var note in scenario.Notes)
            {
                Line(sb, $"- {note}");
            }
        }

        return sb.ToString();
    }

    public static string StepTable(IReadOnlyList<StepStats> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var sb = new StringBuilder();
        sb.AppendLine(StepTableHeader);
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var s in steps)
        {
            var l = s.Latency;
            Line(sb, $"| {s.Name} | {s.Requests} | {s.Ok} | {s.Fail} | {s.Rps:0.0} | {l.MinMs:0.00} | {l.MeanMs:0.00} | {l.P50Ms:0.00} | {l.P75Ms:0.00} | {l.P95Ms:0.00} | {l.P99Ms:0.00} | {l.MaxMs:0.00} | {Pairs(s.StatusCodes)} | {Pairs(s.ErrorCodes)} |");
        }

        return sb.ToString();
    }

    private static string Pairs(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? "" : string.Join(", ", counts.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}: {p.Value}")));

    private static void Line(StringBuilder sb, FormattableString text) => sb.AppendLine(text.ToString(CultureInfo.InvariantCulture));
}
