using System.Globalization;
using LoadTests.Reports;
using LoadTests.Stats;

namespace LoadTests.Thresholds;

/// <summary>
/// A pass/fail rule over a scenario's report, e.g. <c>leaks == 0</c> or <c>steady/list ok% &gt;= 99.9</c>.
/// A threshold with nothing to measure fails: a scenario that sent no traffic cannot pass.
/// </summary>
internal sealed record Threshold(string Description, Func<ScenarioReport, double?> Measure, Comparison Comparison, double Limit)
{
    /// <summary>A scenario counter or derived metric (counters first, then metrics).</summary>
    public static Threshold Metric(string name, Comparison comparison, double limit) =>
        new(Describe(name, comparison, limit), report => report.Counters.TryGetValue(name, out var count)
            ? count
            : report.Metrics.TryGetValue(name, out var value) ? value : null, comparison, limit);

    /// <summary>A statistic of step <paramref name="step"/> in phase <paramref name="phase"/>.</summary>
    public static Threshold Step(string phase, string step, StepMetric metric, Comparison comparison, double limit) =>
        new(Describe($"{phase}/{step} {Name(metric)}", comparison, limit), report => Read(report.Phase(phase)?.Step(step), metric), comparison, limit);

    public ThresholdResult Evaluate(ScenarioReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var actual = Measure(report);
        return new ThresholdResult(Description, actual, actual is { } value && Holds(value, Comparison, Limit));
    }

    internal static bool Holds(double actual, Comparison comparison, double limit) => comparison switch
    {
        Comparison.LessThan => actual < limit,
        Comparison.LessOrEqual => actual <= limit,
        Comparison.Equal => actual.Equals(limit),
        Comparison.GreaterOrEqual => actual >= limit,
        Comparison.GreaterThan => actual > limit,
        _ => false,
    };

    private static double? Read(StepStats? step, StepMetric metric)
    {
        if (step is null || step.Requests == 0)
        {
            return null;
        }

        return metric switch
        {
            StepMetric.Requests => step.Requests,
            StepMetric.Ok => step.Ok,
            StepMetric.Fail => step.Fail,
            StepMetric.OkPercent => step.OkPercent,
            StepMetric.FailPercent => step.FailPercent,
            StepMetric.Rps => step.Rps,
            StepMetric.P50Ms => step.Latency.P50Ms,
            StepMetric.P99Ms => step.Latency.P99Ms,
            _ => null,
        };
    }

    private static string Name(StepMetric metric) => metric switch
    {
        StepMetric.OkPercent => "ok%",
        StepMetric.FailPercent => "fail%",
        StepMetric.P50Ms => "p50 ms",
        StepMetric.P99Ms => "p99 ms",
        _ => metric.ToString().ToLowerInvariant(),
    };

    private static string Describe(string what, Comparison comparison, double limit)
    {
        var op = comparison switch
        {
            Comparison.LessThan => "<",
            Comparison.LessOrEqual => "<=",
            Comparison.Equal => "==",
            Comparison.GreaterOrEqual => ">=",
            _ => ">",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{what} {op} {limit:0.###}");
    }
}
