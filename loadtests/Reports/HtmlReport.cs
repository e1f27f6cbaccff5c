using System.Globalization;
using System.Net;
using System.Text;
using LoadTests.Stats;

namespace LoadTests.Reports;

/// <summary>report.html: a self-contained page (inline CSS and SVG) with tables, latency over time and percentile plots.</summary>
internal static class HtmlReport
{
    private static readonly (double X, string Label)[] s_percentileTicks =
        [(0, "0"), (1, "90"), (2, "99"), (3, "99.9"), (4, "99.99"), (5, "max")];

    public static string Render(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Load test report</title><style>")
          .Append("body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 16px}")
          .Append("td,th{border:1px solid #ccc;padding:3px 7px;font-size:12px;text-align:right}th{background:#f3f3f3}")
          .Append("td:first-child,th:first-child{text-align:left}.pass{color:#1a7f37}.fail{color:#cf222e;font-weight:bold}")
          .Append("</style></head><body>");
        Append(sb, $"<h1>Load test report — <span class=\"{(report.Passed ? "pass" : "fail")}\">{(report.Passed ? "PASSED" : "FAILED")}</span></h1>");
        Append(sb, $"<p>Started {report.StartedAt:yyyy-MM-dd HH:mm:ss} UTC · <code>{E(report.Command)}</code> · {E(report.Machine)}</p>");
        if (report.Attacks is { } attacks)
        {
            Append(sb, $"<p>Isolation: <b>{attacks}</b> attacks tried, <b>{report.Leaks ?? 0}</b> leaked.</p>");
        }

        foreach (var scenario in report.Scenarios)
        {
            Append(sb, $"<h2>{E(scenario.Name)} — <span class=\"{(scenario.Passed ? "pass" : "fail")}\">{(scenario.Passed ? "passed" : "FAILED")}</span></h2><p>{E(scenario.Description)}</p>");
            foreach (var phase in scenario.Phases)
            {
                Append(sb, $"<h3>{E(phase.Name)}</h3><p>{E(phase.Load)}; measured {phase.Duration.TotalSeconds:0.0} s; {phase.Iterations} iterations.</p>");
                StepTable(sb, phase.Steps);
                if (phase.Steps.Count > 0)
                {
                    // A phase within one second of the timeline has one point per series: no line to draw.
                    var seconds = phase.Steps.SelectMany(s => s.Timeline).Select(t => t.Second).Distinct().Count();
                    if (seconds < 2)
                    {
                        Append(sb, $"<p class=\"note\">{E(phase.Name)}: too short to chart latency over time ({seconds} second of data; the table above has its latencies).</p>");
                    }
                    else
                    {
                        var overTime = phase.Steps.SelectMany(s => new[]
                        {
                            new ChartSeries($"{s.Name} p50", s.Timeline.Select(t => ((double)t.Second, t.P50Ms)).ToList()),
                            new ChartSeries($"{s.Name} p99", s.Timeline.Select(t => ((double)t.Second, t.P99Ms)).ToList()),
                        }).ToList();
                        sb.Append(SvgChart.Render($"{phase.Name}: latency over time", overTime, "second of run (by intended start)", "ms"));
                    }

                    var distribution = phase.Steps
                        .Select(s => new ChartSeries(s.Name, s.Percentiles.Select(p => (PercentileX(p.Percentile), p.LatencyMs)).ToList()))
                        .ToList();
                    sb.Append(SvgChart.Render($"{phase.Name}: latency by percentile", distribution, "percentile", "ms", s_percentileTicks));
                }
            }

            if (scenario.Counters.Count + scenario.Metrics.Count > 0)
            {
                sb.Append("<table><tr><th>metric</th><th>value</th></tr>");
                foreach (var (name, value) in scenario.Counters)
                {
                    Append(sb, $"<tr><td>{E(name)}</td><td>{value}</td></tr>");
                }

                foreach (var (name, value) in scenario.Metrics)
                {
                    Append(sb, $"<tr><td>{E(name)}</td><td>{value:0.###}</td></tr>");
                }

                sb.Append("</table>");
            }

            if (scenario.Thresholds.Count > 0)
            {
                sb.Append("<table><tr><th>threshold</th><th>actual</th><th>result</th></tr>");
                foreach (var t in scenario.Thresholds)
                {
                    var actual = t.Actual is { } a ? a.ToString("0.###", CultureInfo.InvariantCulture) : "no data";
                    Append(sb, $"<tr><td>{E(t.Description)}</td><td>{actual}</td><td class=\"{(t.Passed ? "pass" : "fail")}\">{(t.Passed ? "pass" : "FAIL")}</td></tr>");
                }

                sb.Append("</table>");
            }

            if (scenario.Notes.Count > 0)
            {
                sb.Append("<ul>");
                foreach (var note in scenario.Notes)
                {
                    Append(sb, $"<li>{E(note)}</li>");
                }

                sb.Append("</ul>");
            }
        }

        sb.Append("</body></html>");
        return sb.ToString();
    }

    /// <summary>Maps a percentile to a "nines" axis: 0 → 0, 90 → 1, 99 → 2, 99.9 → 3 …; 100 → 5.</summary>
    internal static double PercentileX(double percentile) =>
        percentile >= 100 ? 5 : Math.Min(5, -Math.Log10(1 - (percentile / 100)));

    private static void StepTable(StringBuilder sb, IReadOnlyList<StepStats> steps)
    {
        sb.Append("<table><tr><th>step</th><th>requests</th><th>ok</th><th>fail</th><th>RPS</th><th>min</th><th>mean</th><th>p50</th><th>p75</th><th>p95</th><th>p99</th><th>max</th><th>status codes</th><th>error codes</th></tr>");
        foreach (var s in steps)
        {
            var l = s.Latency;
            Append(sb, $"<tr><td>{E(s.Name)}</td><td>{s.Requests}</td><td>{s.Ok}</td><td>{s.Fail}</td><td>{s.Rps:0.0}</td><td>{l.MinMs:0.00}</td><td>{l.MeanMs:0.00}</td><td>{l.P50Ms:0.00}</td><td>{l.P75Ms:0.00}</td><td>{l.P95Ms:0.00}</td><td>{l.P99Ms:0.00}</td><td>{l.MaxMs:0.00}</td><td>{E(Pairs(s.StatusCodes))}</td><td>{E(Pairs(s.ErrorCodes))}</td></tr>");
        }

        sb.Append("</table><p style=\"font-size:11px\">Latencies in ms, measured from the intended send time.</p>");
    }

    private static string Pairs(IReadOnlyDictionary<string, long> counts) =>
        string.Join(", ", counts.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}: {p.Value}")));

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static void Append(StringBuilder sb, FormattableString text) => sb.Append(text.ToString(CultureInfo.InvariantCulture));
}
