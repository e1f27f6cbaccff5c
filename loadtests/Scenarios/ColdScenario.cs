using System.Globalization;
using LoadTests.Engine;
using LoadTests.Reports;
using LoadTests.Thresholds;
using LoadTests.Topology;

namespace LoadTests.Scenarios;

/// <summary>
/// The cold path: every request is the first one of a never-seen organization (membership lookup + AssumeRole + the
/// backend's first envelope of that credential set), injected at <c>--rate</c> new organizations per second (default
/// 100, open model). Then the same organizations again at the same rate (warm), so cold − warm is the cold path's own
/// cost. The pool is sized for warm-up + phase and bounded; a warm-up of fresh organizations warms JIT and pools, at
/// least <c>--warm-up</c> and then until the gateway's JIT settled (<see cref="KeepWarming"/>).
/// The runner's gateway gets an AssumeRole budget above the offered rate (<see cref="AssumeRoleBudget"/>), so the
/// scenario measures the cold path, not the budget's queue.
/// </summary>
internal sealed class ColdScenario : ILoadScenario
{
    public const double DefaultRate = 100;
    public const int MaxOrganizations = 20_000;
    public const string ScenarioName = "cold";

    /// <summary>The shipped <c>Sts:MaxAssumeRolePerSecond</c>; the scenario's budget is never below it.</summary>
    public const int ShippedAssumeRoleBudget = 100;

    /// <summary>The largest budget the gateway accepts (AWS's AssumeRole quota per account, about 600/s).</summary>
    public const int MaxAssumeRoleBudget = 600;

    public string Name => ScenarioName;

    /// <summary>
    /// <c>Sts:MaxAssumeRolePerSecond</c> of the runner's gateway at <paramref name="rate"/> new organizations per second:
    /// 2 × the rate, at least the shipped 100, at most 600. A slot is held from the admission until STS answered plus one
    /// second (docs/gateway.md, STS admission), so a budget B sustains B / (1 s + AssumeRole latency) calls per second;
    /// at 1 × the rate that is below the offered rate for any latency and the queue grows every second
    /// (<c>stsAdmissionWaitMeanMs</c>), 2 × the rate sustains it up to a latency of 1 s (a host so saturated that the
    /// cold path is not measurable anyway) and absorbs the open model's bursts.
    /// </summary>
    public static int AssumeRoleBudget(double rate) =>
        (int)Math.Clamp(Math.Ceiling(2 * rate), ShippedAssumeRoleBudget, MaxAssumeRoleBudget);

    /// <summary>The runner's gateway settings for <c>cold</c> (environment variables; <c>LOADTESTS_GATEWAY__</c> wins).</summary>
    public static IReadOnlyDictionary<string, string?> GatewaySettings(double rate) => new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        [BudgetSetting] = AssumeRoleBudget(rate).ToString(CultureInfo.InvariantCulture),
    };

    internal const string BudgetSetting = "TenantIsolation__Sts__MaxAssumeRolePerSecond";

    /// <summary>The gateway's count of methods JIT-compiled so far (the .NET runtime meter, <c>dotnet.jit.compiled_methods</c>).</summary>
    internal const string JitCompiledMethods = "dotnet_jit_compiled_methods_total";

    /// <summary>JIT activity below which the gateway counts as warm (methods compiled in the last second of warm-up).</summary>
    internal const double SettledJitMethodsPerSecond = 20;

    /// <summary>The longest warm-up when the JIT does not settle (or cannot be read: then only <c>--warm-up</c>).</summary>
    internal static readonly TimeSpan MaxSettleWarmUp = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether the warm-up goes on for another second after <paramref name="warmedFor"/>: the gateway still compiled at
    /// least <see cref="SettledJitMethodsPerSecond"/> methods a second, the warm-up is shorter than
    /// <see cref="MaxSettleWarmUp"/> and another second leaves the measured phase its organizations. An unreadable JIT
    /// count (null) stops it.
    /// </summary>
    internal static bool KeepWarming(double? jitMethodsLastSecond, TimeSpan warmedFor, int organizationsLeft, int keepForPhase, double rate) =>
        jitMethodsLastSecond is { } jit && jit >= SettledJitMethodsPerSecond
        && warmedFor < MaxSettleWarmUp
        && organizationsLeft - Math.Ceiling(rate * 11 / 10) >= keepForPhase;

    public async Task<ScenarioReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var rate = options.Rate ?? DefaultRate;
        var phase = environment.PhaseDuration(2);
        var warmUp = options.EffectiveWarmUp;
        var maxWarmUp = warmUp > MaxSettleWarmUp ? warmUp : MaxSettleWarmUp;
        var needed = (int)Math.Min(MaxOrganizations, Math.Ceiling(rate * (phase + maxWarmUp).TotalSeconds * 1.1) + 10);
        var keepForPhase = (int)Math.Ceiling(rate * phase.TotalSeconds * 1.1) + 10;
        var fresh = await environment.Seeder.AllocateFreshAsync(needed, cancellationToken).ConfigureAwait(false);
        var tokens = await TenantTraffic.TokensAsync(environment, fresh, cancellationToken).ConfigureAwait(false);
        var client = environment.CreateClient(options.Connections ?? 256);
        var gateway = environment.Topology.Gateway;
        var metricsUrl = new Uri(gateway, "/metrics");
        using var metricsClient = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var next = -1;
        var touched = new List<int>(needed);
        async Task FirstRequestAsync(ScenarioContext ctx)
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
        }

        // The warm-up (fresh organizations too: JIT, pools) runs on its own and is discarded, so the gateway's stage
        // histograms read around the measured phase cover exactly the requests its latencies do. It lasts at least
        // --warm-up and then goes on, a second at a time, until the gateway's JIT has settled (fewer than
        // SettledJitMethodsPerSecond methods compiled in the last second; at most MaxSettleWarmUp, and never into the
        // organizations the measured phase needs): tier-up of three .NET processes takes tens of seconds on 2 busy
        // cores, and a cold phase started before it ended measured the JIT, not the cold path (docs/loadtests.md).
        var warmUpPoolExhausted = 0L;
        var warmedFor = TimeSpan.Zero;
        double? jitLastSecond = null;
        if (warmUp > TimeSpan.Zero)
        {
            var jitUrl = metricsUrl;
            var jitBefore = await ProcessCounters.ReadValueAsync(metricsClient, jitUrl, JitCompiledMethods, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var slice = warmedFor < warmUp ? warmUp - warmedFor : TimeSpan.FromSeconds(1);
                var discarded = await environment.Runner.RunAsync(new ScenarioDefinition
                {
                    Name = "cold-warm-up",
                    Load = LoadSimulation.Inject(rate, slice),
                    StepTimeout = TimeSpan.FromSeconds(15),
                    Iteration = FirstRequestAsync,
                }, cancellationToken).ConfigureAwait(false);
                warmUpPoolExhausted += discarded.Counter("poolExhausted");
                warmedFor += slice;
                var jitNow = await ProcessCounters.ReadValueAsync(metricsClient, jitUrl, JitCompiledMethods, cancellationToken).ConfigureAwait(false);
                jitLastSecond = jitNow - jitBefore is { } grown ? grown / slice.TotalSeconds : null;
                jitBefore = jitNow;
                if (!KeepWarming(jitLastSecond, warmedFor, fresh.Count - (Volatile.Read(ref next) + 1), keepForPhase, rate))
                {
                    break;
                }
            }
        }

        var beforeCold = await HistogramTotals.ReadAsync(metricsClient, metricsUrl, cancellationToken).ConfigureAwait(false);
        var cold = await environment.Runner.RunAsync(new ScenarioDefinition
        {
            Name = "cold",
            Load = LoadSimulation.Inject(rate, phase),
            StepTimeout = TimeSpan.FromSeconds(15),
            Iteration = FirstRequestAsync,
        }, cancellationToken).ConfigureAwait(false);

        var afterCold = await HistogramTotals.ReadAsync(metricsClient, metricsUrl, cancellationToken).ConfigureAwait(false);
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

        var afterWarm = await HistogramTotals.ReadAsync(metricsClient, metricsUrl, cancellationToken).ConfigureAwait(false);
        var first = cold.Step("first-request");
        var cached = warm.Step("cached-request");
        var coldP50 = first?.Latency.P50Ms ?? 0;
        var coldP99 = first?.Latency.P99Ms ?? 0;
        // What the runner gave its gateway (LOADTESTS_GATEWAY__… included); a running gateway keeps its own budget.
        var budget = options.GatewayUrl is null
            && Topology.TopologyStarter.GatewayEnvironment(options).GetValueOrDefault(BudgetSetting) is { } set
            && int.TryParse(set, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : (int?)null;
        var budgetNote = budget is { } b
            ? string.Create(CultureInfo.InvariantCulture, $"The runner's gateway: Sts:MaxAssumeRolePerSecond {b} (default for the scenario: 2 x the rate, 100-600), sustaining about {b / 1.01:0} AssumeRoles/s at 10 ms each.")
            : "A running gateway (--gateway-url): its own Sts:MaxAssumeRolePerSecond.";
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["cold.p50Ms"] = coldP50,
            ["cold.p99Ms"] = coldP99,
            ["warm.p50Ms"] = cached?.Latency.P50Ms ?? 0,
            ["warm.p99Ms"] = cached?.Latency.P99Ms ?? 0,
            ["coldAddedP50Ms"] = Math.Round(coldP50 - (cached?.Latency.P50Ms ?? 0), 3),
        };
        metrics["warmUpSeconds"] = Math.Round(warmedFor.TotalSeconds, 1);
        if (jitLastSecond is { } jit)
        {
            metrics["warmUpJitMethodsPerSecond"] = Math.Round(jit, 1);
        }

        if (budget is { } perSecond)
        {
            metrics["stsBudgetPerSecond"] = perSecond;
        }
        foreach (var (name, value) in StageMetrics("cold", first?.Latency.MeanMs ?? 0, beforeCold, afterCold)
            .Concat(StageMetrics("warm", cached?.Latency.MeanMs ?? 0, afterCold, afterWarm)))
        {
            metrics[name] = value;
        }

        var report = new ScenarioReport
        {
            Name = Name,
            Description = string.Create(CultureInfo.InvariantCulture,
                $"GET /orgs/{{org}}/applications, each the first request of a never-seen organization, open model at {rate:0} new organizations/s; then the same organizations again (warm) at {rate:0} req/s."),
            Phases = [cold, warm],
            Counters = new Dictionary<string, long>(StringComparer.Ordinal)
            {
                ["organizations"] = warmPool.Count,
                ["poolExhausted"] = warmUpPoolExhausted + cold.Counter("poolExhausted"),
                ["crossTenantResponses"] = cold.Counter("crossTenantResponses") + warm.Counter("crossTenantResponses"),
            },
            Metrics = metrics,
            Notes =
            [
                "Stage means (ms per observation, from the gateway's /metrics before and after each phase): cold.* and warm.* gatewayMeanMs, decisionMeanMs, organizationReadMeanMs, membershipReadMeanMs, stsAdmissionWaitMeanMs, assumeRoleMeanMs, outsideDecisionMeanMs (token validation, sealing, the forward incl. the backend), outsideGatewayMeanMs (client, loopback, accept queue).",
                OverheadScenario.Target(string.Create(CultureInfo.InvariantCulture, $"cold first request p50 at {rate:0} new organizations/s (ms)"), coldP50, "<= 10", coldP50 <= 10),
                budgetNote,
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

    /// <summary>Histograms the cold path is split by (Prometheus names of the gateway's instruments).</summary>
    internal const string GatewayRequest = "http_server_request_duration_seconds";
    internal const string OrganizationsRoute = "http_route=\"/orgs/{organizationId}/{**rest}\"";
    internal const string Stage = "gateway_tenant_stage_duration_seconds";
    internal const string Sts = "gateway_sts_duration_seconds";
    internal const string StsAdmissionWait = "gateway_sts_admission_wait_seconds";

    /// <summary>
    /// A phase's stage means (ms per observation) and counts from two scrapes of the gateway's <c>/metrics</c>, and what
    /// lies outside the decision (gateway − decision) and outside the gateway (client mean − gateway).
    /// </summary>
    internal static IEnumerable<KeyValuePair<string, double>> StageMetrics(string phase, double clientMeanMs, HistogramTotals? before, HistogramTotals? after)
    {
        if (before is null || after is null)
        {
            yield break;
        }

        var gatewayMs = HistogramTotals.MeanMs(before, after, GatewayRequest, OrganizationsRoute);
        var decisionMs = HistogramTotals.MeanMs(before, after, Stage, "stage=\"decision\"");
        yield return new($"{phase}.clientMeanMs", Math.Round(clientMeanMs, 3));
        yield return new($"{phase}.gatewayMeanMs", gatewayMs);
        yield return new($"{phase}.decisionMeanMs", decisionMs);
        yield return new($"{phase}.decisions", HistogramTotals.Observations(before, after, Stage, "stage=\"decision\""));
        yield return new($"{phase}.organizationReadMeanMs", HistogramTotals.MeanMs(before, after, Stage, "stage=\"organization_read\""));
        yield return new($"{phase}.organizationReads", HistogramTotals.Observations(before, after, Stage, "stage=\"organization_read\""));
        yield return new($"{phase}.membershipReadMeanMs", HistogramTotals.MeanMs(before, after, Stage, "stage=\"membership_read\""));
        yield return new($"{phase}.membershipReads", HistogramTotals.Observations(before, after, Stage, "stage=\"membership_read\""));
        yield return new($"{phase}.stsAdmissionWaitMeanMs", HistogramTotals.MeanMs(before, after, StsAdmissionWait));
        yield return new($"{phase}.assumeRoleMeanMs", HistogramTotals.MeanMs(before, after, Sts));
        yield return new($"{phase}.assumeRoles", HistogramTotals.Observations(before, after, Sts));
        yield return new($"{phase}.outsideDecisionMeanMs", Math.Round(gatewayMs - decisionMs, 3));
        yield return new($"{phase}.outsideGatewayMeanMs", Math.Round(clientMeanMs - gatewayMs, 3));
    }
}
