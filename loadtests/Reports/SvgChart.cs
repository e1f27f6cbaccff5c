using System.Globalization;
using System.Net;
using System.Text;

namespace LoadTests.Reports;

/// <summary>
/// Minimal inline SVG line chart (no scripts, no external resources). The legend sits under the plot in as many rows
/// as the series need (the SVG grows), so no entry is ever cut off; a name too long for its column is shortened with
/// "…" and kept whole in a tooltip.
/// </summary>
internal static class SvgChart
{
    internal const int Width = 760;
    private const int PlotHeight = 300;
    private const int Left = 60;
    private const int Right = 20;
    private const int Top = 30;
    private const int Bottom = 45;
    private const int LegendRow = 16;
    private const int LegendSwatch = 14; // 10 px square + 4 px gap
    private const int LegendGap = 16;

    /// <summary>A generous average glyph width of the 11 px sans-serif legend text, to lay out columns without measuring.</summary>
    internal const double LegendCharWidth = 7;
    private static readonly string[] s_colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

    public static string Render(string title, IReadOnlyList<ChartSeries> series, string xLabel, string yLabel, IReadOnlyList<(double X, string Label)>? xTicks = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        var minX = points.Count == 0 ? 0 : points.Min(p => p.X);
        var maxX = points.Count == 0 ? 1 : points.Max(p => p.X);
        if (maxX <= minX)
        {
            maxX = minX + 1;
        }

        var maxY = points.Count == 0 ? 1 : NiceCeiling(points.Max(p => p.Y));
        var plotW = Width - Left - Right;
        var plotH = PlotHeight - Top - Bottom;
        var legend = LegendLayout.For(series.Select(s => s.Name).ToList(), Width - Left - Right);
        var height = PlotHeight + (legend.Rows * LegendRow) + 8;
        double Sx(double x) => Left + ((x - minX) / (maxX - minX) * plotW);
        double Sy(double y) => Top + plotH - (y / maxY * plotH);

        var sb = new StringBuilder();
        Append(sb, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"11\">");
        Append(sb, $"<text x=\"{Left}\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{Escape(title)}</text>");
        for (var i = 0; i <= 5; i++)
        {
            var y = maxY * i / 5;
            Append(sb, $"<line x1=\"{Left}\" x2=\"{Left + plotW}\" y1=\"{Sy(y):0.#}\" y2=\"{Sy(y):0.#}\" stroke=\"#ddd\"/>");
            Append(sb, $"<text x=\"{Left - 5}\" y=\"{Sy(y) + 4:0.#}\" text-anchor=\"end\">{y:0.###}</text>");
        }

        var ticks = xTicks ?? Enumerable.Range(0, 6).Select(i => minX + ((maxX - minX) * i / 5)).Select(x => (x, x.ToString("0.#", CultureInfo.InvariantCulture))).ToList();
        foreach (var (x, label) in ticks.Where(t => t.X >= minX && t.X <= maxX))
        {
            Append(sb, $"<line x1=\"{Sx(x):0.#}\" x2=\"{Sx(x):0.#}\" y1=\"{Top + plotH}\" y2=\"{Top + plotH + 4}\" stroke=\"#333\"/>");
            Append(sb, $"<text x=\"{Sx(x):0.#}\" y=\"{Top + plotH + 16}\" text-anchor=\"middle\">{Escape(label)}</text>");
        }

        Append(sb, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#333\"/>");
        Append(sb, $"<text x=\"{Left + (plotW / 2)}\" y=\"{PlotHeight - 12}\" text-anchor=\"middle\">{Escape(xLabel)}</text>");
        Append(sb, $"<text x=\"14\" y=\"{Top + (plotH / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {Top + (plotH / 2)})\">{Escape(yLabel)}</text>");

        for (var i = 0; i < series.Count; i++)
        {
            var color = s_colors[i % s_colors.Length];
            var pts = series[i].Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
            if (pts.Count == 1)
            {
                // One point draws no line: a marker instead.
                Append(sb, $"<circle cx=\"{Sx(pts[0].X):0.#}\" cy=\"{Sy(pts[0].Y):0.#}\" r=\"3\" fill=\"{color}\"/>");
            }
            else if (pts.Count > 1)
            {
                var path = string.Join(" ", pts.Select(p => string.Create(CultureInfo.InvariantCulture, $"{Sx(p.X):0.#},{Sy(p.Y):0.#}")));
                Append(sb, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\" points=\"{path}\"/>");
            }

            var x = Left + (i % legend.Columns * legend.ColumnWidth);
            var y = PlotHeight + (i / legend.Columns * LegendRow);
            var label = legend.Label(series[i].Name);
            Append(sb, $"<g><title>{Escape(series[i].Name)}</title><rect x=\"{x}\" y=\"{y}\" width=\"10\" height=\"10\" fill=\"{color}\"/>");
            Append(sb, $"<text class=\"legend\" x=\"{x + LegendSwatch}\" y=\"{y + 9}\">{Escape(label)}</text></g>");
        }

        sb.Append("</svg>");
        return sb.ToString();
    }

    internal static double NiceCeiling(double value)
    {
        if (value <= 0 || !double.IsFinite(value))
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    /// <summary>Equal columns as wide as the longest name needs (at most the full width), filled row by row.</summary>
    private sealed record LegendLayout(int Columns, int ColumnWidth, int Rows, int MaxChars)
    {
        public static LegendLayout For(List<string> names, int width)
        {
            var longest = names.Count == 0 ? 0 : names.Max(n => n.Length);
            var columnWidth = (int)Math.Min(width, Math.Ceiling(LegendSwatch + (longest * LegendCharWidth) + LegendGap));
            var columns = Math.Max(1, width / Math.Max(1, columnWidth));
            columnWidth = width / columns;
            var maxChars = Math.Max(4, (int)((columnWidth - LegendSwatch - LegendGap) / LegendCharWidth));
            return new LegendLayout(columns, columnWidth, (names.Count + columns - 1) / columns, maxChars);
        }

        public string Label(string name) => name.Length <= MaxChars ? name : name[..(MaxChars - 1)] + "…";
    }

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private static void Append(StringBuilder sb, FormattableString text) => sb.Append(text.ToString(CultureInfo.InvariantCulture));
}
