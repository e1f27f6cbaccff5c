namespace LoadTests.Reports;

/// <summary>A named line of (x, y) points.</summary>
internal sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points);
