using System.Globalization;
using Gateway.Envelopes;
using Gateway.Testing;
using LoadTests.Engine;
using LoadTests.Reports;
using LoadTests.Stats;
using LoadTests.Thresholds;
using LoadTests.Topology;

namespace LoadTests.Scenarios;

/// <summary>
/// Gateway against plain YARP 2.3, each in its own process with the same host settings (<c>tools/PlainYarp</c>), in
/// front of two backends: a <b>trivial</b> one (answers <c>ok</c>, no envelope work: the gateway's own cost) and the
/// <b>sample</b> API's <c>/whoami</c> (end to end: the backend reads and verifies <c>X-Tenant-Context</c> through
/// Gateway.Backend; plain YARP passes one sealed with the local development key). In front of the trivial backend a third
/// proxy: plain YARP adding one constant <c>X-Tenant-Context</c> of the size the gateway's envelope has (the design's
/// ceiling). Both gateways run with rate limiting on (<see cref="GatewaySettings"/>). Closed-model (max RPS) phases
/// interleave the proxies, odd rounds in order and even rounds reversed, for <c>--rounds</c> rounds (default 3); the
/// median of the per-round ratios is reported, with allocated bytes and CPU time per request of every proxy (read
/// from each process's own counters before and after a phase, <see cref="ProcessCounters"/>). Then open-model phases at
/// <c>--rate</c> (default: half of plain YARP's median maximum) measure the latency each adds; the trivial backend direct
/// and the gateway's own anonymous <c>/healthz</c> (host floor) frame it.
/// </summary>
internal sealed class OverheadScenario : ILoadScenario
{
    public const string ScenarioName = "overhead";

    /// <summary>The constant header's size when the gateway's could not be read (X-Tenant-Context with LocalAws tokens).</summary>
    public const int FallbackHeaderBytes = 1_100;

    public const int DefaultConnections = 16;
    public const int DefaultRounds = 3;
    public const double MinimumRate = 50;
    private const string Trivial = "trivial";
    private const string Sample = "sample";
    private static readonly string[] s_backends = [Trivial, Sample];

    /// <summary>The proxies compared per backend, in the order of odd rounds (even rounds reverse it).</summary>
    private static readonly Dictionary<string, string[]> s_proxies = new(StringComparer.Ordinal)
    {
        [Trivial] = ["yarp", "yarp-header", "gateway"],
        [Sample] = ["yarp", "gateway"],
    };
    private static readonly string[] s_rateTargets = ["direct", "yarp", "gateway", "gateway-own"];

    public string Name => ScenarioName;

    /// <summary>
    /// Both gateways run with rate limiting on, as it ships in production: the tier's checks (token bucket + concurrency)
    /// run on every request, with a rate no phase reaches (the one organization of this scenario sends thousands per
    /// second) and the shipped tier's concurrency limit (100 &gt; the connections).
    /// </summary>
    public static IReadOnlyDictionary<string, string?> GatewaySettings { get; } = new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["TenantIsolation__RateLimits__Enabled"] = "true",
        ["TenantIsolation__RateLimits__DefaultTier"] = "overhead",
        ["TenantIsolation__RateLimits__Tiers__overhead__RequestsPerSecond"] = "1000000",
        ["TenantIsolation__RateLimits__Tiers__overhead__Burst"] = "1000000",
        ["TenantIsolation__RateLimits__Tiers__overhead__ConcurrentRequests"] = "100",
    };

    public async Task<ScenarioReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var connections = options.Connections ?? DefaultConnections;
        var rounds = options.Rounds ?? DefaultRounds;
        var phase = environment.PhaseDuration((rounds * s_proxies.Values.Sum(p => p.Length)) + 2 + s_rateTargets.Length);
        var gatewayEnvironment = new Dictionary<string, string?>(GatewaySettings, StringComparer.Ordinal);
        foreach (var (key, value) in TopologyStarter.Passthrough("LOADTESTS_GATEWAY__"))
        {
            gatewayEnvironment[key] = value;
        }

        var http2 = options.BackendHttp2;

        await environment.Seeder.EnsureAsync(1, cancellationToken).ConfigureAwait(false);
        var org = Tenants.Organization(1);
        var token = await environment.LocalAws.TokenAsync(Tenants.User(1), cancellationToken).ConfigureAwait(false);
        var topology = environment.Topology;
        await using var extra = await OverheadTopology.StartAsync(
            topology.LocalAws, topology.Backend, http2, gatewayEnvironment, environment.Progress.Note, cancellationToken).ConfigureAwait(false);
        var client = environment.CreateClient(Math.Max(connections, 64));
        using var countersClient = ScenarioEnvironment.CreateHttpClient(2);
        var envelopeFor = Attacks.EnvelopeForger(TimeProvider.System);
        var envelope = envelopeFor(org);

        // The third proxy: plain YARP adding one constant header of the size the gateway's envelope has on this topology
        // (the trivial backend notes the X-Tenant-Context length it received from one request through the gateway).
        var headerBytes = await EnvelopeHeaderBytesAsync(client, countersClient, extra, org, token, cancellationToken).ConfigureAwait(false);
        var yarpHeader = await extra.StartHeaderProxyAsync(headerBytes ?? FallbackHeaderBytes, http2, cancellationToken).ConfigureAwait(false);

        var targets = new Dictionary<string, OverheadTarget>(StringComparer.Ordinal)
        {
            ["yarp-trivial"] = new("healthz", new Uri(extra.YarpToTrivial.Url, BaselineProxy.MetricsPath),
                () => HttpSteps.Get(extra.YarpToTrivial.Url, "/healthz")),
            ["yarp-header-trivial"] = new("healthz", new Uri(yarpHeader.Url, BaselineProxy.MetricsPath),
                () => HttpSteps.Get(yarpHeader.Url, "/healthz")),
            ["gateway-trivial"] = new("healthz", new Uri(extra.GatewayToTrivial, "/metrics"),
                () => HttpSteps.Get(extra.GatewayToTrivial, $"/orgs/{org}/healthz", token)),
            // Plain YARP forwards whatever the client sends: the client carries a valid envelope, as the gateway would attach.
            ["yarp-sample"] = new("whoami", new Uri(extra.YarpToSample.Url, BaselineProxy.MetricsPath),
                () => WithEnvelope(HttpSteps.Get(extra.YarpToSample.Url, "/whoami"), envelope)),
            ["gateway-sample"] = new("whoami", new Uri(topology.Gateway, "/metrics"),
                () => HttpSteps.Get(topology.Gateway, $"/orgs/{org}/whoami", token)),
            ["direct"] = new("healthz", new Uri(extra.TrivialBackend.Url, BaselineProxy.MetricsPath),
                () => HttpSteps.Get(extra.TrivialBackend.Url, "/healthz")),
            ["gateway-own"] = new("healthz", new Uri(extra.GatewayToTrivial, "/metrics"),
                () => HttpSteps.Get(extra.GatewayToTrivial, "/healthz")),
        };

        var phases = new List<ScenarioResult>();
        var costs = new Dictionary<string, List<ProcessCost>>(StringComparer.Ordinal);
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);

        async Task<ScenarioResult> RunAsync(string phaseName, string targetName, LoadSimulation load)
        {
            var target = targets[targetName];
            envelope = envelopeFor(org); // fresh per phase: the development envelope lives 5 minutes
            var aws = targetName.StartsWith("gateway-", StringComparison.Ordinal) && targetName != "gateway-own"
                ? await environment.LocalAws.StatsAsync(cancellationToken).ConfigureAwait(false)
                : null;
            long responses = 0;
            var before = await ProcessCounters.ReadAsync(countersClient, target.MetricsUrl, cancellationToken).ConfigureAwait(false);
            var result = await environment.Runner.RunAsync(new ScenarioDefinition
            {
                Name = phaseName,
                Load = load,
                WarmUp = options.EffectiveWarmUp,
                Iteration = async ctx => await ctx.StepAsync(target.Step, async ct =>
                {
                    var outcome = await HttpSteps.SendAsync(client, target.Request(), ct).ConfigureAwait(false);
                    Interlocked.Increment(ref responses);
                    return HttpSteps.ToStep(outcome);
                }).ConfigureAwait(false),
            }, cancellationToken).ConfigureAwait(false);
            var after = await ProcessCounters.ReadAsync(countersClient, target.MetricsUrl, cancellationToken).ConfigureAwait(false);
            if (ProcessCost.Between(before, after, Interlocked.Read(ref responses)) is { } cost)
            {
                (costs.TryGetValue(targetName, out var list) ? list : costs[targetName] = []).Add(cost);
            }

            var awsAfter = aws is null ? null : await environment.LocalAws.StatsAsync(cancellationToken).ConfigureAwait(false);
            if (aws is not null && awsAfter is not null)
            {
                // Warm caches mean the gateway should not touch LocalAws per request: show it.
                var mode = phaseName.Contains("-rate", StringComparison.Ordinal) ? "rate" : "max";
                Add(counters, $"gateway-{mode}.localAws.dynamoDbRequests", awsAfter.DynamoDbRequests - aws.DynamoDbRequests);
                Add(counters, $"gateway-{mode}.localAws.assumeRoleCalls", awsAfter.AssumeRoleCalls - aws.AssumeRoleCalls);
            }

            phases.Add(result);
            return result;
        }

        // Interleaved maximum-throughput rounds; odd rounds run the baseline first, even rounds the gateway first.
        var ratios = s_backends.ToDictionary(b => b, _ => new List<double>(), StringComparer.Ordinal);
        var headerRatios = new List<double>();
        var gatewayVsHeaderRatios = new List<double>();
        var maxRps = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var backend in s_backends)
            {
                var order = round % 2 == 1 ? s_proxies[backend] : [.. s_proxies[backend].Reverse()];
                var rps = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var proxy in order)
                {
                    var name = $"{proxy}-{backend}";
                    var result = await RunAsync(string.Create(CultureInfo.InvariantCulture, $"{name}-max-r{round}"), name,
                        LoadSimulation.KeepConstant(connections, phase)).ConfigureAwait(false);
                    rps[proxy] = result.Step(targets[name].Step)?.Rps ?? 0;
                    (maxRps.TryGetValue(name, out var list) ? list : maxRps[name] = []).Add(rps[proxy]);
                }

                ratios[backend].Add(Ratio(rps["gateway"], rps["yarp"]));
                if (rps.TryGetValue("yarp-header", out var withHeader))
                {
                    headerRatios.Add(Ratio(withHeader, rps["yarp"]));
                    gatewayVsHeaderRatios.Add(Ratio(rps["gateway"], withHeader));
                }
            }
        }

        var direct = await RunAsync("direct-max", "direct", LoadSimulation.KeepConstant(connections, phase)).ConfigureAwait(false);
        var own = await RunAsync("gateway-own-max", "gateway-own", LoadSimulation.KeepConstant(connections, phase)).ConfigureAwait(false);
        var rate = options.Rate ?? Math.Max(MinimumRate, Math.Round(Median(maxRps["yarp-trivial"]) / 2));
        var atRate = new Dictionary<string, StepStats?>(StringComparer.Ordinal);
        foreach (var target in s_rateTargets)
        {
            var name = target is "yarp" or "gateway" ? $"{target}-trivial" : target;
            atRate[target] = (await RunAsync($"{target}-rate", name, LoadSimulation.Inject(rate, phase)).ConfigureAwait(false)).Step("healthz");
        }

        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            // The fields of earlier versions, now from the trivial backend (yarp/gateway: medians over the rounds).
            ["direct.maxRps"] = Round(direct.Step("healthz")?.Rps),
            ["yarp.maxRps"] = Round(Median(maxRps["yarp-trivial"])),
            ["gateway.maxRps"] = Round(Median(maxRps["gateway-trivial"])),
            ["gateway-own.maxRps"] = Round(own.Step("healthz")?.Rps),
            ["rounds"] = rounds,
            ["rate"] = rate,
        };
        foreach (var target in s_rateTargets)
        {
            metrics[$"{target}.p50Ms@rate"] = Round(atRate[target]?.Latency.P50Ms);
            metrics[$"{target}.p99Ms@rate"] = Round(atRate[target]?.Latency.P99Ms);
        }

        foreach (var backend in s_backends)
        {
            metrics[$"{backend}.throughputRatio.median"] = Math.Round(Median(ratios[backend]), 3);
            for (var i = 0; i < ratios[backend].Count; i++)
            {
                metrics[string.Create(CultureInfo.InvariantCulture, $"{backend}.throughputRatio.r{i + 1}")] = ratios[backend][i];
            }

            foreach (var proxy in s_proxies[backend])
            {
                var name = $"{proxy}-{backend}";
                var key = MetricName(proxy);
                metrics[$"{backend}.{key}.maxRps.median"] = Round(Median(maxRps[name]));
                if (costs.TryGetValue(name, out var list) && list.Count > 0)
                {
                    metrics[$"{backend}.{key}.allocatedBytesPerRequest"] = Math.Round(Median([.. list.Select(c => c.AllocatedBytesPerRequest)]), 0);
                    metrics[$"{backend}.{key}.cpuUsPerRequest"] = Round(Median([.. list.Select(c => c.CpuMicrosecondsPerRequest)]));
                }
            }

            foreach (var proxy in s_proxies[backend].Where(p => p != "yarp"))
            {
                var key = MetricName(proxy);
                if (metrics.TryGetValue($"{backend}.{key}.allocatedBytesPerRequest", out var bytes) && metrics.TryGetValue($"{backend}.yarp.allocatedBytesPerRequest", out var yarpBytes))
                {
                    metrics[$"{backend}.{key}.allocatedBytesOverYarp"] = bytes - yarpBytes;
                }

                if (metrics.TryGetValue($"{backend}.{key}.cpuUsPerRequest", out var cpu) && metrics.TryGetValue($"{backend}.yarp.cpuUsPerRequest", out var yarpCpu))
                {
                    metrics[$"{backend}.{key}.cpuUsOverYarp"] = Round(cpu - yarpCpu);
                }
            }
        }

        metrics["tenantContextHeaderBytes"] = headerBytes ?? 0;
        metrics["yarpHeader.constantHeaderBytes"] = headerBytes ?? FallbackHeaderBytes;
        metrics["trivial.yarpHeader.throughputRatio.median"] = Math.Round(Median(headerRatios), 3);
        metrics["trivial.gatewayVsYarpHeader.throughputRatio.median"] = Math.Round(Median(gatewayVsHeaderRatios), 3);
        for (var i = 0; i < headerRatios.Count; i++)
        {
            metrics[string.Create(CultureInfo.InvariantCulture, $"trivial.yarpHeader.throughputRatio.r{i + 1}")] = headerRatios[i];
            metrics[string.Create(CultureInfo.InvariantCulture, $"trivial.gatewayVsYarpHeader.throughputRatio.r{i + 1}")] = gatewayVsHeaderRatios[i];
        }

        var gatewayVsYarp = metrics["trivial.throughputRatio.median"];
        var endToEnd = metrics["sample.throughputRatio.median"];
        var addedP50 = metrics["gateway.p50Ms@rate"] - metrics["yarp.p50Ms@rate"];
        var addedP99 = metrics["gateway.p99Ms@rate"] - metrics["yarp.p99Ms@rate"];
        metrics["throughputRatio.gatewayVsYarp"] = gatewayVsYarp;
        metrics["throughputRatio.yarpVsDirect"] = Ratio(metrics["yarp.maxRps"], metrics["direct.maxRps"]);
        metrics["p99Ratio.gatewayVsYarp"] = Ratio(metrics["gateway.p99Ms@rate"], metrics["yarp.p99Ms@rate"]);
        metrics["p99AddedMs.gatewayOverYarp"] = Round(addedP99);
        metrics["p50AddedMs.gatewayOverYarp"] = Round(addedP50);

        var allocatedOver = metrics.GetValueOrDefault("trivial.gateway.allocatedBytesOverYarp");
        var notes = new List<string>
        {
            Target("gateway throughput / plain YARP, trivial backend (median of rounds)", gatewayVsYarp, ">= 0.9", gatewayVsYarp >= 0.9),
            string.Create(CultureInfo.InvariantCulture,
                $"plain YARP + one constant {metrics["yarpHeader.constantHeaderBytes"]:0}-byte X-Tenant-Context (the design's ceiling) / plain YARP, trivial backend: median {metrics["trivial.yarpHeader.throughputRatio.median"]:0.###}; gateway / that: {metrics["trivial.gatewayVsYarpHeader.throughputRatio.median"]:0.###}{(headerBytes is null ? $" (the gateway's envelope size could not be read: {FallbackHeaderBytes} bytes assumed)" : string.Empty)}"),
            Target("allocated bytes per proxied request beyond plain YARP's, trivial backend", allocatedOver, "<= 2048", allocatedOver <= 2048),
            Target("gateway throughput / plain YARP, end to end with the sample API (median of rounds)", endToEnd, ">= 0.8", endToEnd >= 0.8),
            Target(string.Create(CultureInfo.InvariantCulture, $"p50 added over plain YARP at {rate:0} req/s (ms)"), addedP50, "<= 0.2", addedP50 <= 0.2),
            Target(string.Create(CultureInfo.InvariantCulture, $"p99 added over plain YARP at {rate:0} req/s (ms)"), addedP99, "<= 0.5", addedP99 <= 0.5),
            "Per-request cost = (counter after − counter before) ÷ responses in the phase incl. its warm-up; counters: the gateway's /metrics (.NET System.Runtime meter: dotnet.gc.heap.total_allocated, dotnet.process.cpu.time), PlainYarp's " + BaselineProxy.MetricsPath + " (the same runtime values).",
            http2
                ? "Both proxies forwarded to the trivial backend over cleartext HTTP/2 (prior knowledge) and to the sample API over HTTP/1.1 (--backend-http 2)."
                : "Both proxies forwarded to their backends over HTTP/1.1.",
            "Speed targets are reported, not enforced: thresholds check correctness only (every request succeeded).",
        };

        var report = new ScenarioReport
        {
            Name = Name,
            Description = string.Create(CultureInfo.InvariantCulture,
                $"Gateway (rate limiting on) vs plain YARP 2.3 (tools/PlainYarp, own process, same host settings) and, trivial backend only, plain YARP adding one constant {metrics["yarpHeader.constantHeaderBytes"]:0}-byte X-Tenant-Context; backends: trivial (ok, no envelope work; gateway /orgs/{org}/healthz) and the sample API's /whoami (end to end, Gateway.Backend verifies the envelope); {rounds} interleaved rounds of max-RPS phases (closed model, {connections} connections), median ratio; then latency at {rate:0} req/s (open model) for the trivial backend direct, via plain YARP, via the gateway, and the gateway's own anonymous /healthz (host floor)."),
            Phases = phases,
            Counters = counters,
            Metrics = metrics,
            Notes = notes,
        };
        return report.WithThresholds(phases.Select(p => Threshold.Step(p.Name, p.Steps.Count > 0 ? p.Steps[0].Name : "healthz", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9)));
    }

    internal static string Target(string what, double actual, string target, bool met) =>
        string.Create(CultureInfo.InvariantCulture, $"target {what} {target}: measured {actual:0.###} — {(met ? "met" : "MISSED")}");

    /// <summary>Median; 0 for no values.</summary>
    internal static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>The metric key of a proxy: <c>yarp</c>, <c>yarpHeader</c>, <c>gateway</c>.</summary>
    internal static string MetricName(string proxy) => proxy == "yarp-header" ? "yarpHeader" : proxy;

    /// <summary>
    /// One request through the gateway in front of the trivial backend, then the length of the <c>X-Tenant-Context</c>
    /// the backend received; null when the request failed or the backend saw none.
    /// </summary>
    private static async Task<int?> EnvelopeHeaderBytesAsync(
        HttpClient client, HttpClient countersClient, OverheadTopology extra, string org, string token, CancellationToken cancellationToken)
    {
        var outcome = await HttpSteps.SendAsync(client, HttpSteps.Get(extra.GatewayToTrivial, $"/orgs/{org}/healthz", token), cancellationToken).ConfigureAwait(false);
        if (!outcome.IsSuccess)
        {
            return null;
        }

        var bytes = await ProcessCounters.ReadValueAsync(countersClient, extra.TrivialBackend.MetricsUrl, ProcessCounters.TenantContextHeaderBytes, cancellationToken).ConfigureAwait(false);
        return bytes is > 0 and <= BaselineProxy.MaxConstantHeaderBytes ? (int)bytes : null;
    }

    private static HttpRequestMessage WithEnvelope(HttpRequestMessage request, string envelope)
    {
        request.Headers.TryAddWithoutValidation(EnvelopeClaimNames.HeaderName, envelope);
        return request;
    }

    private static void Add(Dictionary<string, long> counters, string key, long value) =>
        counters[key] = (counters.TryGetValue(key, out var current) ? current : 0) + value;

    private static double Ratio(double a, double b) => b > 0 ? Math.Round(a / b, 3) : 0;

    private static double Round(double? value) => Math.Round(value ?? 0, 3);

    private sealed record OverheadTarget(string Step, Uri MetricsUrl, Func<HttpRequestMessage> Request);
}
