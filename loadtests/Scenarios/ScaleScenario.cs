using System.Globalization;
using LoadTests.Engine;
using LoadTests.Reports;
using LoadTests.Stats;
using LoadTests.Thresholds;

namespace LoadTests.Scenarios;

/// <summary>
/// The same tenant query (GET /orgs/{org}/applications over a fixed hot set of organizations, warm) measured with a small
/// and a large number of organizations seeded (organizations + memberships; default 1,000 vs 100,000), plus 10 % spread
/// traffic over random organizations of the whole set so the gateway's caches see the larger population. Reports p50/p99
/// of the hot query and their ratio (target ≤ 1.2).
/// </summary>
internal sealed class ScaleScenario : ILoadScenario
{
    public const double DefaultRate = 100;
    public const int DefaultOrganizations = 100_000;
    private const int HotOrganizations = 100;
    private const int SpreadPool = 300;

    public string Name => "scale";

    public async Task<ScenarioReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var large = options.Organizations ?? DefaultOrganizations;
        var small = Math.Max(2, Math.Min(1000, large / 10));
        var hot = Enumerable.Range(1, Math.Min(HotOrganizations, small)).ToList();
        var rate = options.Rate ?? DefaultRate;
        var phase = environment.PhaseDuration(2);
        var client = environment.CreateClient(options.Connections ?? 256);

        var phases = new List<ScenarioResult>();
        var results = new List<(int Organizations, ScenarioResult Result)>();
        foreach (var active in new[] { small, large })
        {
            await environment.Seeder.EnsureAsync(active, cancellationToken).ConfigureAwait(false);
            var spread = Enumerable.Range(0, SpreadPool).Select(_ => Random.Shared.Next(1, active + 1)).Distinct().ToList();
            var tokens = await TenantTraffic.TokensAsync(environment, hot.Concat(spread).Distinct(), cancellationToken).ConfigureAwait(false);
            var label = Label(active);
            phases.Add(await TenantTraffic.PrimeAsync(environment, $"prime-{label}", client, hot, tokens, cancellationToken).ConfigureAwait(false));
            var result = await environment.Runner.RunAsync(new ScenarioDefinition
            {
                Name = $"{label}-organizations",
                Load = LoadSimulation.Inject(rate, phase),
                // The first measured phase runs on freshly started processes: give it a longer warm-up (half a phase)
                // so JIT tiering and connection pools don't make the small population look slower than it is.
                WarmUp = active == small ? TimeSpan.FromTicks(Math.Max(options.EffectiveWarmUp.Ticks, phase.Ticks / 2)) : options.EffectiveWarmUp,
                Iteration = async ctx =>
                {
                    if (ctx.Random.NextDouble() < 0.9)
                    {
                        var index = hot[ctx.Random.Next(hot.Count)];
                        await TenantTraffic.ListAsync(ctx, "hot-query", client, environment.Topology.Gateway, index, tokens[index]).ConfigureAwait(false);
                    }
                    else
                    {
                        var index = spread[ctx.Random.Next(spread.Count)];
                        await TenantTraffic.ListAsync(ctx, "spread", client, environment.Topology.Gateway, index, tokens[index]).ConfigureAwait(false);
                    }
                },
            }, cancellationToken).ConfigureAwait(false);
            phases.Add(result);
            results.Add((active, result));
        }

        var smallHot = results[0].Result.Step("hot-query");
        var largeHot = results[1].Result.Step("hot-query");
        var p99Ratio = Ratio(largeHot?.Latency.P99Ms, smallHot?.Latency.P99Ms);
        var p50Ratio = Ratio(largeHot?.Latency.P50Ms, smallHot?.Latency.P50Ms);
        var smallLabel = Label(small);
        var largeLabel = Label(large);
        var report = new ScenarioReport
        {
            Name = Name,
            Description = string.Create(CultureInfo.InvariantCulture,
                $"GET /orgs/{{org}}/applications over {hot.Count} hot organizations (90 %) plus spread over {SpreadPool} random organizations (10 %), open model at {rate:0} req/s, with {small} and then {large} organizations seeded."),
            Phases = phases,
            Counters = new Dictionary<string, long>(StringComparer.Ordinal)
            {
                ["organizations.small"] = small,
                ["organizations.large"] = large,
                ["crossTenantResponses"] = phases.Sum(p => p.Counter("crossTenantResponses")),
            },
            Metrics = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                [$"hot.p50Ms.{smallLabel}"] = smallHot?.Latency.P50Ms ?? 0,
                [$"hot.p99Ms.{smallLabel}"] = smallHot?.Latency.P99Ms ?? 0,
                [$"hot.p50Ms.{largeLabel}"] = largeHot?.Latency.P50Ms ?? 0,
                [$"hot.p99Ms.{largeLabel}"] = largeHot?.Latency.P99Ms ?? 0,
                ["p50Ratio.largeVsSmall"] = p50Ratio,
                ["p99Ratio.largeVsSmall"] = p99Ratio,
            },
            Notes =
            [
                OverheadScenario.Target($"hot-query p99 {largeLabel} / {smallLabel}", p99Ratio, "<= 1.2", p99Ratio <= 1.2),
                "Speed targets are reported, not enforced: thresholds check correctness only.",
            ],
        };
        return report.WithThresholds(
        [
            Threshold.Step($"{smallLabel}-organizations", "hot-query", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Step($"{largeLabel}-organizations", "hot-query", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Step($"{largeLabel}-organizations", "spread", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99),
            Threshold.Metric("crossTenantResponses", Comparison.Equal, 0),
        ]);
    }

    internal static string Label(int organizations) => organizations >= 1000 && organizations % 1000 == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{organizations / 1000}k")
        : organizations.ToString(CultureInfo.InvariantCulture);

    private static double Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? Math.Round(x / y, 3) : 0;
}
