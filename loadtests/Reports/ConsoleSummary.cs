using System.Globalization;
using System.Text;

namespace LoadTests.Reports;

/// <summary>
/// The per-scenario summary printed on the console, as plain lines of at most <see cref="Width"/> characters (a
/// terminal's default and what a CI log viewer shows without scrolling): one row per step, a step name too long for
/// its column on its own line, status/error codes, counters, thresholds and notes word-wrapped with a hanging indent.
/// </summary>
internal static class ConsoleSummary
{
    public const int Width = 80;
    private const int NameWidth = 26;

    public static IReadOnlyList<string> Lines(ScenarioReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var lines = new List<string> { $"{report.Name}: {(report.Passed ? "passed" : "FAILED")}" };
        lines.Add(Row("phase/step", "requests", "fail", "rps", "p50 ms", "p99 ms", "max ms"));
        foreach (var phase in report.Phases)
        {
            foreach (var s in phase.Steps)
            {
                var name = $"{phase.Name}/{s.Name}";
                if (name.Length > NameWidth)
                {
                    Wrap(lines, name, "  ", "    ");
                    name = string.Empty;
                }

                lines.Add(Row(name, Number(s.Requests), Number(s.Fail), s.Rps.ToString("0.0", CultureInfo.InvariantCulture), Ms(s.Latency.P50Ms), Ms(s.Latency.P99Ms), Ms(s.Latency.MaxMs)));
                var codes = s.StatusCodes.Select(p => $"{p.Key}:{p.Value}").Concat(s.ErrorCodes.Take(4).Select(p => $"{p.Key}:{p.Value}")).ToList();
                if (codes.Count > 0)
                {
                    Wrap(lines, "codes " + string.Join(", ", codes), "    ", "          ");
                }
            }
        }

        foreach (var (name, value) in report.Counters)
        {
            Wrap(lines, string.Create(CultureInfo.InvariantCulture, $"{name} = {value}"), "  ", "    ");
        }

        foreach (var (name, value) in report.Metrics)
        {
            Wrap(lines, string.Create(CultureInfo.InvariantCulture, $"{name} = {value:0.###}"), "  ", "    ");
        }

        foreach (var t in report.Thresholds)
        {
            var actual = t.Actual is { } a ? a.ToString("0.###", CultureInfo.InvariantCulture) : "no data";
            Wrap(lines, $"{(t.Passed ? "pass" : "FAIL")} {t.Description} (actual {actual})", "  ", "       ");
        }

        foreach (var note in report.Notes)
        {
            Wrap(lines, note, "  ", "    ");
        }

        return lines;
    }

    private static string Row(string name, string requests, string fail, string rps, string p50, string p99, string max)
        => string.Create(CultureInfo.InvariantCulture, $"  {name,-NameWidth}{requests,9}{fail,7}{rps,9}{p50,9}{p99,9}{max,9}").TrimEnd();

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Ms(double value) => value.ToString(value >= 1000 ? "0" : "0.00", CultureInfo.InvariantCulture);

    /// <summary>Word-wraps <paramref name="text"/> to <see cref="Width"/>; words longer than a line are split.</summary>
    internal static void Wrap(List<string> lines, string text, string firstIndent, string indent)
    {
        var line = new StringBuilder(firstIndent);
        var empty = true;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var rest = word;
            while (rest.Length > 0)
            {
                var room = Width - line.Length - (empty ? 0 : 1);
                if (rest.Length <= room)
                {
                    line.Append(empty ? string.Empty : " ").Append(rest);
                    empty = false;
                    rest = string.Empty;
                }
                else if (!empty)
                {
                    lines.Add(line.ToString());
                    line.Clear().Append(indent);
                    empty = true;
                }
                else
                {
                    line.Append(rest.AsSpan(0, room));
                    rest = rest[room..];
                    lines.Add(line.ToString());
                    line.Clear().Append(indent);
                }
            }
        }

        if (!empty)
        {
            lines.Add(line.ToString());
        }
    }
}
