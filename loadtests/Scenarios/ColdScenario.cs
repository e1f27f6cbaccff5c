using System.Globalization;
using LoadTests.Engine;
using LoadTests.Reports;
using LoadTests.Thresholds;

namespace LoadTests.Scenarios;

/// <summary>
/// The cold path: every request is the first one of a never-seen organization (membership lookup + AssumeRole + the
/// backend's first envelope of that credential set), injected at <c>--rate</c> new organizations per second (default
/// 100, open model). Then the same organizations again at the same rate (warm), so cold − warm is the cold path's own
/// cost. The pool is sized for warm-up + phase and bounded; a warm-up of fresh organizations warms JIT and pools.
/// </summary>
internal sealed class ColdScenario : ILoadScenario
{
    public const double DefaultRate = 100;
    public const int MaxOrganizations = 20_000;

    public string Name => "cold";

    public async Task<ScenarioReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var rate = options.Rate ?? DefaultRate;
        var phase = environment.PhaseDuration(2);
        var warmUp = options.EffectiveWarmUp;
        var needed = (int)Math.Min(MaxOrganizations, Math.Ceiling(rate * (phase + warmUp).TotalSeconds * 1.1) + 10);
        var fresh = await environment.Seeder.AllocateFreshAsync(needed, cancellationToken).ConfigureAwait(false);
        var tokens = await TenantTraffic.TokensAsync(environment, fresh, cancellationToken).ConfigureAwait(false);
        var client = environment.CreateClient(options.Connections ?? 256);
        var gateway = environment.Topology.Gateway;

        var next = -1;
        var touched = new List<int>(needed);
        var cold = await environment.Runner.RunAsync(new ScenarioDefinition
        {
            Name = "cold",
            Load = LoadSimulation.Inject(rate, phase),
            WarmUp = warmUp,
            StepTimeout = TimeSpan.FromSeconds(15),
            Iteration = async ctx =>
            {
                var slot = Interlocked.Increment(ref next);
                if (slot >= fresh.Count)
                {
                    ctx.Count("poolExhausted");
                    return;
                }

                var index = fresh[slot];
                lock (touched)
                {
                    touched.Add(index);
                }

                await TenantTraffic.ListAsync(ctx, "first-request", client, gateway, index, tokens[index]).ConfigureAwait(false);
            },
        }, cancellationToken).ConfigureAwait(false);

        List<int> warmPool;
        lock (touched)
        {
            warmPool = [.. touched];
        }

        var warm = await environment.Runner.RunAsync(new ScenarioDefinition
        {
            Name = "warm",
            Load = LoadSimulation.Inject(rate, phase),
            Iteration = async ctx =>
            {
                var index = warmPool[ctx.Random.Next(warmPool.Count)];
                await TenantTraffic.ListAsync(ctx, "cached-request", client, gateway, index, tokens[index]).ConfigureAwait(false);
            },
        }, cancellationToken).ConfigureAwait(false);

        var first = cold.Step("first-request");
        var cached = warm.Step("cached-request");
        var coldP50 = first?.Latency.P50Ms ?? 0;
        var coldP99 = first?.Latency.P99Ms ?? 0;
        var report = new ScenarioReport
        {
            Name = Name,
            Description = string.Create(CultureInfo.InvariantCulture,
                $"GET /orgs/{{org}}/applications, each the first request of a never-seen organization, open model at {rate:0} new organizations/s; then the same organizations again (warm) at {rate:0} req/s."),
            Phases = [cold, warm],
            Counters = new Dictionary<string, long>(StringComparer.Ordinal)
            {
                ["organizations"] = warmPool.Count,
                ["poolExhausted"] = cold.Counter("poolExhausted"),
                ["crossTenantResponses"] = cold.Counter("crossTenantResponses") + warm.Counter("crossTenantResponses"),
            },
            Metrics = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["cold.p50Ms"] = coldP50,
                ["cold.p99Ms"] = coldP99,
                ["warm.p50Ms"] = cached?.Latency.P50Ms ?? 0,
                ["warm.p99Ms"] = cached?.Latency.P99Ms ?? 0,
                ["coldAddedP50Ms"] = Math.Round(coldP50 - (cached?.Latency.P50Ms ?? 0), 3),
            },
            Notes =
            [
                OverheadScenario.Target(string.Create(CultureInfo.InvariantCulture, $"cold first request p50 at {rate:0} new organizations/s (ms)"), coldP50, "<= 10", coldP50 <= 10),
                "Speed targets are reported, not enforced: thresholds check correctness only.",
            ],
        };
        return report.WithThresholds(
        [
            Threshold.Step("cold", "first-request", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Step("warm", "cached-request", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Metric("poolExhausted", Comparison.Equal, 0),
            Threshold.Metric("crossTenantResponses", Comparison.Equal, 0),
        ]);
    }
}
