using System.Globalization;
using System.Xml.Linq;
using LoadTests.Reports;

namespace LoadTests.Tests.Reports;

public sealed class SvgChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static List<ChartSeries> Series(int count, string prefix) =>
        Enumerable.Range(0, count)
            .Select(i => new ChartSeries($"{prefix}{i:D2} p99", [(0, i), (10, i + 1)]))
            .ToList();

    [Theory]
    [InlineData(28, "cross-tenant-attack-")]
    [InlineData(3, "list ")]
    [InlineData(12, "a-step-name-long-enough-to-need-shortening-in-any-legend-column-at-all-really-")]
    public void Render_ManySeries_EveryLegendEntryInsideTheViewBox(int count, string prefix)
    {
        var svg = XElement.Parse(SvgChart.Render("isolation: latency over time", Series(count, prefix), "second", "ms"));

        var viewBox = svg.Attribute("viewBox")!.Value.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var legend = svg.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "legend").ToList();
        Assert.Equal(count, legend.Count);
        foreach (var text in legend)
        {
            var x = double.Parse(text.Attribute("x")!.Value, CultureInfo.InvariantCulture);
            var y = double.Parse(text.Attribute("y")!.Value, CultureInfo.InvariantCulture);
            Assert.InRange(y, 0, viewBox[3]);
            Assert.InRange(x + (text.Value.Length * SvgChart.LegendCharWidth), 0, viewBox[2]);
        }
    }

    [Fact]
    public void Render_LongSeriesName_ShortensLabelAndKeepsFullNameInTooltip()
    {
        var name = new string('n', 200);

        var svg = XElement.Parse(SvgChart.Render("t", [new ChartSeries(name, [(0, 1), (1, 2)])], "x", "y"));

        Assert.EndsWith("…", svg.Descendants(Svg + "text").Single(t => (string?)t.Attribute("class") == "legend").Value, StringComparison.Ordinal);
        Assert.Contains(svg.Descendants(Svg + "title"), t => t.Value == name);
    }

    [Fact]
    public void Render_SeriesWithOnePoint_IsDrawnAsAMarker()
    {
        // One point makes no line: a series seen in a single second must still be visible.
        var svg = XElement.Parse(SvgChart.Render("t", [new ChartSeries("a", [(0, 1), (1, 2)]), new ChartSeries("b", [(1, 5)])], "x", "y"));

        Assert.Single(svg.Descendants(Svg + "polyline"));
        Assert.Single(svg.Descendants(Svg + "circle"));
    }
}
