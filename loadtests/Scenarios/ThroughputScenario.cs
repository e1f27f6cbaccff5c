using System.Globalization;
using LoadTests.Engine;
using LoadTests.Reports;
using LoadTests.Thresholds;

namespace LoadTests.Scenarios;

/// <summary>
/// Many users across many organizations listing (80 %) and creating (20 %) applications through the gateway at a target
/// rate (open model), after every organization has been touched once so caches are warm.
/// </summary>
internal sealed class ThroughputScenario : ILoadScenario
{
    public const double DefaultRate = 100;
    public const int DefaultOrganizations = 1000;

    public string Name => "throughput";

    public async Task<ScenarioReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var organizations = Math.Min(options.Organizations ?? DefaultOrganizations, 10_000);
        var rate = options.Rate ?? DefaultRate;
        var connections = options.Connections ?? 256;
        await environment.Seeder.EnsureAsync(organizations, cancellationToken).ConfigureAwait(false);
        var indexes = Enumerable.Range(1, organizations).ToList();
        var tokens = await TenantTraffic.TokensAsync(environment, indexes, cancellationToken).ConfigureAwait(false);
        var client = environment.CreateClient(connections);
        var gateway = environment.Topology.Gateway;

        var prime = await TenantTraffic.PrimeAsync(environment, "prime", client, indexes, tokens, cancellationToken).ConfigureAwait(false);
        var steady = await environment.Runner.RunAsync(new ScenarioDefinition
        {
            Name = "steady",
            Load = LoadSimulation.Inject(rate, options.Duration),
            WarmUp = options.EffectiveWarmUp,
            Iteration = async ctx =>
            {
                var index = indexes[ctx.Random.Next(indexes.Count)];
                if (ctx.Random.NextDouble() < 0.8)
                {
                    await TenantTraffic.ListAsync(ctx, "list", client, gateway, index, tokens[index]).ConfigureAwait(false);
                }
                else
                {
                    await TenantTraffic.CreateAsync(ctx, "create", client, gateway, index, tokens[index]).ConfigureAwait(false);
                }
            },
        }, cancellationToken).ConfigureAwait(false);

        var breakdown = await DataPathBreakdown.RunAsync(environment, client, indexes, tokens, rate,
            TimeSpan.FromSeconds(Math.Max(1, options.Duration.TotalSeconds / 3)), cancellationToken).ConfigureAwait(false);
        var total = steady.Steps.Sum(s => s.Requests);
        var report = new ScenarioReport
        {
            Name = Name,
            Description = string.Create(CultureInfo.InvariantCulture,
                $"{organizations} organizations, one ADMINISTRATOR user each; open model at {rate:0} req/s: 80 % GET /orgs/{{org}}/applications, 20 % POST; every organization touched once first (prime, cold caches). data-path: the same query straight to dynalite, to LocalAws (admin key) and through gateway + backend, round robin at the same rate, to show where the time goes."),
            Phases = [prime, steady, breakdown],
            Counters = new Dictionary<string, long>(StringComparer.Ordinal) { ["crossTenantResponses"] = prime.Counter("crossTenantResponses") + steady.Counter("crossTenantResponses") },
            Metrics = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["targetRps"] = rate,
                ["achievedRps"] = Math.Round(total / Math.Max(0.001, steady.Duration.TotalSeconds), 1),
                ["list.p50Ms"] = steady.Step("list")?.Latency.P50Ms ?? 0,
                ["list.p99Ms"] = steady.Step("list")?.Latency.P99Ms ?? 0,
                ["create.p50Ms"] = steady.Step("create")?.Latency.P50Ms ?? 0,
                ["create.p99Ms"] = steady.Step("create")?.Latency.P99Ms ?? 0,
                ["dataPath.dynalite.p50Ms"] = breakdown.Step("dynalite")?.Latency.P50Ms ?? 0,
                ["dataPath.localaws.p50Ms"] = breakdown.Step("localaws+dynalite")?.Latency.P50Ms ?? 0,
                ["dataPath.gateway.p50Ms"] = breakdown.Step("gateway+backend+localaws")?.Latency.P50Ms ?? 0,
                ["dataPath.dynalite.p99Ms"] = breakdown.Step("dynalite")?.Latency.P99Ms ?? 0,
                ["dataPath.localaws.p99Ms"] = breakdown.Step("localaws+dynalite")?.Latency.P99Ms ?? 0,
                ["dataPath.gateway.p99Ms"] = breakdown.Step("gateway+backend+localaws")?.Latency.P99Ms ?? 0,
            },
        };
        return report.WithThresholds(
        [
            Threshold.Step("steady", "list", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Step("steady", "create", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Metric("crossTenantResponses", Comparison.Equal, 0),
        ]);
    }
}
