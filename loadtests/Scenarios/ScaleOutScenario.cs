using System.Globalization;
using Gateway.Testing;
using LoadTests.Engine;
using LoadTests.Reports;
using LoadTests.Stats;
using LoadTests.Thresholds;
using LoadTests.Topology;

namespace LoadTests.Scenarios;

/// <summary>
/// Three gateway instances sharing one redis-server (fleet mode), started by the scenario next to the runner's LocalAws
/// and sample API: <c>first-touch</c> (every organization once, round-robin over the instances), <c>steady</c> (random
/// organization on a random instance), <c>redis-fault</c> (redis-server killed: the same traffic must keep succeeding
/// through L1 + STS), <c>after</c> (redis-server restarted). <c>assumeRoleCalls</c> is the fleet total from LocalAws's
/// stats over first-touch + steady (must stay ≤ 1.05 × the distinct credential keys); the fault and after phases'
/// AssumeRoles are reported beside it.
/// </summary>
internal sealed class ScaleOutScenario : ILoadScenario
{
    public const int Instances = 3;
    public const int DefaultOrganizations = 1000;
    public const double DefaultRate = 100;

    public string Name => "scale-out";

    public async Task<ScenarioReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var rate = options.Rate ?? DefaultRate;
        var phase = environment.PhaseDuration(3);
        var organizations = await environment.Seeder.AllocateFreshAsync(options.Organizations ?? DefaultOrganizations, cancellationToken).ConfigureAwait(false);
        var tokens = await TenantTraffic.TokensAsync(environment, organizations, cancellationToken).ConfigureAwait(false);
        var client = environment.CreateClient(options.Connections ?? 256);

        environment.Progress.Note("Starting redis-server and three gateway instances (fleet mode)");
        await using var fleet = await GatewayFleet.StartAsync(environment.Topology, Instances, new Dictionary<string, string?>(), environment.Progress, cancellationToken).ConfigureAwait(false);
        var redis = fleet.Redis;
        var urls = fleet.Urls.ToList();
        var stsStart = await environment.LocalAws.StatsAsync(cancellationToken).ConfigureAwait(false);
        var firstTouch = await environment.Runner.RunAsync(new ScenarioDefinition
        {
            Name = "first-touch",
            Load = LoadSimulation.KeepConstant(Math.Min(12, organizations.Count), TimeSpan.FromSeconds(Math.Max(60, organizations.Count / 10.0))),
            MaxIterations = organizations.Count,
            Iteration = ctx => RequestAsync(ctx, "first touch", client, urls[(int)(ctx.Iteration % Instances)], organizations[(int)ctx.Iteration], tokens),
        }, cancellationToken).ConfigureAwait(false);
        var steady = await environment.Runner.RunAsync(Steady("steady", rate, phase, options.EffectiveWarmUp, client, urls, organizations, tokens), cancellationToken).ConfigureAwait(false);
        var stsSteady = await environment.LocalAws.StatsAsync(cancellationToken).ConfigureAwait(false);

        await redis.KillAsync().ConfigureAwait(false);
        ScenarioResult fault;
        try
        {
            fault = await environment.Runner.RunAsync(Steady("redis-fault", rate, phase, TimeSpan.Zero, client, urls, organizations, tokens), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await redis.RestartAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var stsFault = await environment.LocalAws.StatsAsync(cancellationToken).ConfigureAwait(false);
        var after = await environment.Runner.RunAsync(Steady("after", rate, phase, TimeSpan.Zero, client, urls, organizations, tokens), cancellationToken).ConfigureAwait(false);
        var stsAfter = await environment.LocalAws.StatsAsync(cancellationToken).ConfigureAwait(false);

        ScenarioResult[] phases = [firstTouch, steady, fault, after];
        var counters = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["instances"] = Instances,
            ["distinctCredentialKeys"] = organizations.Count, // one permission set per owner, Organization scope
            ["unscopedForwards"] = phases.Sum(p => p.Counter("unscoped")),
            ["rejectedCredentials"] = phases.Sum(p => p.Counter("rejectedCredentials")),
        };
        if (stsStart is not null && stsSteady is not null && stsFault is not null && stsAfter is not null)
        {
            counters["assumeRoleCalls"] = stsSteady.AssumeRoleCalls - stsStart.AssumeRoleCalls;
            counters["assumeRoleCalls.redisFault"] = stsFault.AssumeRoleCalls - stsSteady.AssumeRoleCalls;
            counters["assumeRoleCalls.after"] = stsAfter.AssumeRoleCalls - stsFault.AssumeRoleCalls;
        }

        foreach (var (counter, metric) in new[] { ("l2Hits", "gateway_cache_l2_hits_total"), ("l2Misses", "gateway_cache_l2_misses_total"), ("l2Errors", "gateway_cache_l2_errors_total") })
        {
            counters[counter] = await FleetCounterAsync(client, urls, metric, cancellationToken).ConfigureAwait(false);
        }

        var faultOk = fault.Step("cached")?.OkPercent ?? 0;
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal) { ["redisFaultCachedOkPercent"] = Math.Round(faultOk, 3) };
        if (counters.TryGetValue("assumeRoleCalls", out var calls) && organizations.Count > 0)
        {
            metrics["assumeRoleCallsPerKey"] = Math.Round((double)calls / organizations.Count, 4);
        }

        var report = new ScenarioReport
        {
            Name = Name,
            Description = string.Create(CultureInfo.InvariantCulture,
                $"{Instances} gateway instances + redis-server (fleet mode) next to the runner's LocalAws and sample API. first-touch: {organizations.Count} organizations once each, round-robin over the instances; steady: {rate:0} req/s, random organization on a random instance; redis-fault: the same with redis-server killed; after: redis-server restarted."),
            Phases = phases,
            Counters = counters,
            Metrics = metrics,
            Notes =
            [
                string.Create(CultureInfo.InvariantCulture, $"AssumeRole (fleet total, LocalAws stats): {counters.GetValueOrDefault("assumeRoleCalls")} for {organizations.Count} credential keys over first-touch + steady; {counters.GetValueOrDefault("assumeRoleCalls.redisFault")} while Redis was down (instances without the organization in L1 mint their own); {counters.GetValueOrDefault("assumeRoleCalls.after")} after the restart."),
            ],
        };
        return report.WithThresholds(
        [
            Threshold.Step("first-touch", "first touch", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Step("steady", "cached", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Step("redis-fault", "cached", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Step("after", "cached", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Metric("assumeRoleCallsPerKey", Comparison.LessOrEqual, 1.05),
            Threshold.Metric("unscopedForwards", Comparison.Equal, 0),
        ]);
    }

    /// <summary>The sum of a Prometheus counter over the instances' <c>/metrics</c>.</summary>
    private static async Task<long> FleetCounterAsync(HttpClient client, List<Uri> urls, string name, CancellationToken cancellationToken)
    {
        double total = 0;
        foreach (var url in urls)
        {
            var text = await client.GetStringAsync(new Uri(url, "metrics"), cancellationToken).ConfigureAwait(false);
            total += text.Split('\n')
                .Where(line => line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is ' ' or '{')
                .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        }

        return (long)total;
    }

    private static ScenarioDefinition Steady(string name, double rate, TimeSpan during, TimeSpan warmUp, HttpClient client, List<Uri> urls, IReadOnlyList<int> organizations, IReadOnlyDictionary<int, string> tokens) => new()
    {
        Name = name,
        Load = LoadSimulation.Inject(rate, during),
        WarmUp = warmUp,
        StepTimeout = TimeSpan.FromSeconds(15),
        Iteration = ctx => RequestAsync(ctx, "cached", client, urls[ctx.Random.Next(urls.Count)], organizations[ctx.Random.Next(organizations.Count)], tokens),
    };

    private static async Task RequestAsync(ScenarioContext ctx, string step, HttpClient client, Uri gateway, int index, IReadOnlyDictionary<int, string> tokens)
    {
        var org = Tenants.Organization(index);
        await ctx.StepAsync(step, async ct =>
        {
            var outcome = await HttpSteps.SendAsync(client, HttpSteps.Get(gateway, $"/orgs/{org}/applications", tokens[index]), ct).ConfigureAwait(false);
            HttpSteps.CountTenantContext(ctx, outcome);
            return HttpSteps.ToStep(outcome);
        }).ConfigureAwait(false);
    }
}
