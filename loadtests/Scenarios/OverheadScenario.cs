using System.Globalization;
using Gateway.Testing;
using LoadTests.Engine;
using LoadTests.Reports;
using LoadTests.Stats;
using LoadTests.Thresholds;
using LoadTests.Topology;

namespace LoadTests.Scenarios;

/// <summary>
/// The same trivial backend endpoint (<c>/healthz</c>) three ways: direct, through a plain in-process YARP proxy, and
/// through the gateway (<c>/orgs/{org}/healthz</c>, authenticated, warm caches); plus the gateway's own anonymous
/// <c>/healthz</c> (no tenancy, no proxying: the host's floor, to show where the gateway's time goes). Each target runs once closed-model at
/// N connections (maximum throughput) and once open-model at a fixed rate (latency); ratios are derived from both.
/// </summary>
internal sealed class OverheadScenario : ILoadScenario
{
    public const double DefaultRate = 200;
    public const int DefaultConnections = 16;
    private static readonly string[] s_targets = ["direct", "yarp", "gateway", "gateway-own"];

    public string Name => "overhead";

    public async Task<ScenarioReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var connections = options.Connections ?? DefaultConnections;
        var rate = options.Rate ?? DefaultRate;
        var phase = environment.PhaseDuration(2 * s_targets.Length);

        await environment.Seeder.EnsureAsync(1, cancellationToken).ConfigureAwait(false);
        var org = Tenants.Organization(1);
        var token = await environment.LocalAws.TokenAsync(Tenants.User(1), cancellationToken).ConfigureAwait(false);
        await using var proxy = await BaselineProxy.StartAsync(environment.Topology.Backend, FreePort.Next(), cancellationToken).ConfigureAwait(false);
        var client = environment.CreateClient(Math.Max(connections, 64));

        Func<HttpRequestMessage> Request(string target) => target switch
        {
            "direct" => () => HttpSteps.Get(environment.Topology.Backend, "/healthz"),
            "yarp" => () => HttpSteps.Get(proxy.Url, "/healthz"),
            "gateway-own" => () => HttpSteps.Get(environment.Topology.Gateway, "/healthz"),
            _ => () => HttpSteps.Get(environment.Topology.Gateway, $"/orgs/{org}/healthz", token),
        };

        var phases = new List<ScenarioResult>();
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (mode, load) in new (string, Func<LoadSimulation>)[]
                 {
                     ("max", () => LoadSimulation.KeepConstant(connections, phase)),
                     ("rate", () => LoadSimulation.Inject(rate, phase)),
                 })
        {
            foreach (var target in s_targets)
            {
                var make = Request(target);
                var statsBefore = await environment.LocalAws.StatsAsync(cancellationToken).ConfigureAwait(false);
                phases.Add(await environment.Runner.RunAsync(new ScenarioDefinition
                {
                    Name = $"{target}-{mode}",
                    Load = load(),
                    WarmUp = options.EffectiveWarmUp,
                    Iteration = async ctx => await ctx.StepAsync("healthz", async ct =>
                        HttpSteps.ToStep(await HttpSteps.SendAsync(client, make(), ct).ConfigureAwait(false))).ConfigureAwait(false),
                }, cancellationToken).ConfigureAwait(false));
                var statsAfter = await environment.LocalAws.StatsAsync(cancellationToken).ConfigureAwait(false);
                if (target == "gateway" && statsBefore is not null && statsAfter is not null)
                {
                    // Warm caches mean the gateway should not touch LocalAws per request: show it.
                    counters[$"gateway-{mode}.localAws.dynamoDbRequests"] = statsAfter.DynamoDbRequests - statsBefore.DynamoDbRequests;
                    counters[$"gateway-{mode}.localAws.assumeRoleCalls"] = statsAfter.AssumeRoleCalls - statsBefore.AssumeRoleCalls;
                }
            }
        }

        StepStats? S(string name) => phases.First(p => p.Name == name).Step("healthz");
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var target in s_targets)
        {
            metrics[$"{target}.maxRps"] = Round(S($"{target}-max")?.Rps);
            metrics[$"{target}.p50Ms@rate"] = Round(S($"{target}-rate")?.Latency.P50Ms);
            metrics[$"{target}.p99Ms@rate"] = Round(S($"{target}-rate")?.Latency.P99Ms);
        }

        var gatewayVsYarp = Ratio(metrics["gateway.maxRps"], metrics["yarp.maxRps"]);
        var yarpVsDirect = Ratio(metrics["yarp.maxRps"], metrics["direct.maxRps"]);
        var addedP99 = metrics["gateway.p99Ms@rate"] - metrics["yarp.p99Ms@rate"];
        metrics["throughputRatio.gatewayVsYarp"] = gatewayVsYarp;
        metrics["throughputRatio.yarpVsDirect"] = yarpVsDirect;
        metrics["p99Ratio.gatewayVsYarp"] = Ratio(metrics["gateway.p99Ms@rate"], metrics["yarp.p99Ms@rate"]);
        metrics["p99AddedMs.gatewayOverYarp"] = Round(addedP99);
        metrics["p50AddedMs.gatewayOverYarp"] = Round(metrics["gateway.p50Ms@rate"] - metrics["yarp.p50Ms@rate"]);

        var notes = new List<string>
        {
            Target("gateway throughput / plain YARP", gatewayVsYarp, ">= 0.9", gatewayVsYarp >= 0.9),
            Target(string.Create(CultureInfo.InvariantCulture, $"p99 added over plain YARP at {rate:0} req/s (ms)"), addedP99, "<= 0.5", addedP99 <= 0.5),
            "Speed targets are reported, not enforced: thresholds check correctness only (every request succeeded).",
        };

        var report = new ScenarioReport
        {
            Name = Name,
            Description = string.Create(CultureInfo.InvariantCulture,
                $"Trivial endpoint /healthz direct vs plain YARP (in the runner) vs gateway (/orgs/{org}/healthz, authenticated, warm caches); gateway-own = the gateway's own anonymous /healthz (host floor, not proxied); max: closed model with {connections} connections; rate: open model at {rate:0} req/s."),
            Phases = phases,
            Counters = counters,
            Metrics = metrics,
            Notes = notes,
        };
        return report.WithThresholds(phases.Select(p => Threshold.Step(p.Name, "healthz", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9)));
    }

    internal static string Target(string what, double actual, string target, bool met) =>
        string.Create(CultureInfo.InvariantCulture, $"target {what} {target}: measured {actual:0.###} — {(met ? "met" : "MISSED")}");

    private static double Ratio(double a, double b) => b > 0 ? Math.Round(a / b, 3) : 0;

    private static double Round(double? value) => Math.Round(value ?? 0, 3);
}
