using System.Diagnostics;
using System.Globalization;
using LoadTests.Engine;
using LoadTests.Reports;
using LoadTests.Stats;
using LoadTests.Thresholds;
using LoadTests.Topology;

namespace LoadTests.Scenarios;

/// <summary>
/// Steady traffic while STS fails in the middle: <c>before</c> (cached organizations), <c>outage</c> (LocalAws STS throttles
/// every call; cached organizations must keep succeeding, organizations never seen before must get 503 + Retry-After),
/// then the fault is cleared and <c>after</c> checks recovery (the organizations refused during the outage and brand-new
/// ones succeed). Any <c>tenant_context_missing</c>/<c>_invalid</c> from the backend means a request was forwarded unscoped;
/// <c>tenant_credentials_rejected</c> (the data store refused a genuine envelope's credentials) is counted apart, as an outage.
/// </summary>
internal sealed class StsOutageScenario : ILoadScenario
{
    public const double DefaultRate = 50;
    public const string FaultMode = "throttle";
    private const int CachedOrganizations = 20;
    private const int NewOrganizations = 50;

    public string Name => "sts-outage";

    public async Task<ScenarioReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var rate = options.Rate ?? DefaultRate;
        var phase = environment.PhaseDuration(3);
        var cached = await environment.Seeder.AllocateFreshAsync(CachedOrganizations, cancellationToken).ConfigureAwait(false);
        var outageNew = await environment.Seeder.AllocateFreshAsync(NewOrganizations, cancellationToken).ConfigureAwait(false);
        var recoveryNew = await environment.Seeder.AllocateFreshAsync(NewOrganizations, cancellationToken).ConfigureAwait(false);
        var tokens = await TenantTraffic.TokensAsync(environment, [.. cached, .. outageNew, .. recoveryNew], cancellationToken).ConfigureAwait(false);
        var client = environment.CreateClient(options.Connections ?? 256);
        var gateway = environment.Topology.Gateway;
        var localAws = environment.LocalAws;
        await localAws.ClearFaultsAsync(cancellationToken).ConfigureAwait(false);

        var prime = await TenantTraffic.PrimeAsync(environment, "prime", client, cached, tokens, cancellationToken).ConfigureAwait(false);
        var stsBefore = await localAws.StatsAsync(cancellationToken).ConfigureAwait(false);
        var before = await environment.Runner.RunAsync(Definition("before", rate, phase, options.EffectiveWarmUp, ctx =>
            CachedAsync(ctx, client, gateway, cached, tokens)), cancellationToken).ConfigureAwait(false);

        var stsOutageStart = await localAws.StatsAsync(cancellationToken).ConfigureAwait(false);
        ScenarioResult outage;
        TimeSpan recovery;
        var recovered = false;
        await localAws.SetStsFaultAsync(FaultMode, phase + TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
        try
        {
            outage = await environment.Runner.RunAsync(Definition("outage", rate, phase, TimeSpan.Zero, async ctx =>
            {
                if (ctx.Random.NextDouble() < 0.7)
                {
                    await CachedAsync(ctx, client, gateway, cached, tokens).ConfigureAwait(false);
                    return;
                }

                var index = outageNew[ctx.Random.Next(outageNew.Count)];
                var org = Tenants.Organization(index);
                await ctx.StepAsync("new", async ct =>
                {
                    var outcome = await HttpSteps.SendAsync(client, HttpSteps.Get(gateway, $"/orgs/{org}/applications", tokens[index]), ct).ConfigureAwait(false);
                    HttpSteps.CountTenantContext(ctx, outcome);
                    if (outcome.StatusCode == 503 && outcome.HasRetryAfter)
                    {
                        return StepResponse.Ok(503, outcome.Size, outcome.Code ?? "http_503");
                    }

                    if (outcome.IsSuccess)
                    {
                        ctx.Count("newServedDuringOutage");
                        return StepResponse.Fail(outcome.StatusCode, "served_during_outage", outcome.Size);
                    }

                    return StepResponse.Fail(outcome.StatusCode, (outcome.Code ?? "http_" + outcome.StatusCode.ToString(CultureInfo.InvariantCulture)) + (outcome.HasRetryAfter ? "" : " (no Retry-After)"), outcome.Size);
                }).ConfigureAwait(false);
            }), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await localAws.ClearFaultsAsync(CancellationToken.None).ConfigureAwait(false);
        }

        // Recovery: how long after the fault is cleared until an organization refused during the outage is served. The
        // gateway's STS circuit state at that moment says what the figure is made of (an open circuit holds for the
        // rest of its break whatever STS does).
        var stsOutageEnd = await localAws.StatsAsync(cancellationToken).ConfigureAwait(false);
        var circuitAtClear = await StsCircuitStateAsync(client, gateway, cancellationToken).ConfigureAwait(false);
        var probeStarted = Stopwatch.GetTimestamp();
        var probeIndex = outageNew[0];
        while (Stopwatch.GetElapsedTime(probeStarted) < TimeSpan.FromSeconds(60))
        {
            var outcome = await HttpSteps.SendAsync(client, HttpSteps.Get(gateway, $"/orgs/{Tenants.Organization(probeIndex)}/applications", tokens[probeIndex]), cancellationToken).ConfigureAwait(false);
            if (outcome.IsSuccess)
            {
                recovered = true;
                break;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        recovery = Stopwatch.GetElapsedTime(probeStarted);
        var afterPool = outageNew.Concat(recoveryNew).ToList();
        var after = await environment.Runner.RunAsync(Definition("after", rate, phase, TimeSpan.Zero, async ctx =>
        {
            if (ctx.Random.NextDouble() < 0.5)
            {
                await CachedAsync(ctx, client, gateway, cached, tokens).ConfigureAwait(false);
                return;
            }

            var index = afterPool[ctx.Random.Next(afterPool.Count)];
            var org = Tenants.Organization(index);
            await ctx.StepAsync("new", async ct =>
            {
                var outcome = await HttpSteps.SendAsync(client, HttpSteps.Get(gateway, $"/orgs/{org}/applications", tokens[index]), ct).ConfigureAwait(false);
                HttpSteps.CountTenantContext(ctx, outcome);
                return HttpSteps.ToStep(outcome);
            }).ConfigureAwait(false);
        }), cancellationToken).ConfigureAwait(false);
        var stsAfter = await localAws.StatsAsync(cancellationToken).ConfigureAwait(false);

        var counters = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["unscopedForwards"] = before.Counter("unscoped") + outage.Counter("unscoped") + after.Counter("unscoped"),
            ["rejectedCredentials"] = before.Counter("rejectedCredentials") + outage.Counter("rejectedCredentials") + after.Counter("rejectedCredentials"),
            ["newServedDuringOutage"] = outage.Counter("newServedDuringOutage"),
        };
        if (stsBefore is not null && stsOutageStart is not null && stsOutageEnd is not null && stsAfter is not null)
        {
            counters["assumeRoleCalls.before"] = stsOutageStart.AssumeRoleCalls - stsBefore.AssumeRoleCalls;
            counters["assumeRoleCalls.outage"] = stsOutageEnd.AssumeRoleCalls - stsOutageStart.AssumeRoleCalls;
            counters["assumeRoleCalls.recoveryAndAfter"] = stsAfter.AssumeRoleCalls - stsOutageEnd.AssumeRoleCalls;
        }

        var report = new ScenarioReport
        {
            Name = Name,
            Description = string.Create(CultureInfo.InvariantCulture,
                $"Open model at {rate:0} req/s. before: {CachedOrganizations} cached organizations; outage (STS '{FaultMode}' via LocalAws faults): 70 % cached, 30 % {NewOrganizations} never-seen organizations (expect 503 + Retry-After); after the fault is cleared: 50 % cached, 50 % the refused and {NewOrganizations} brand-new organizations."),
            Phases = [prime, before, outage, after],
            Counters = counters,
            Metrics = circuitAtClear is { } circuit
                ? new Dictionary<string, double>(StringComparer.Ordinal)
                {
                    ["recoverySeconds"] = Math.Round(recovery.TotalSeconds, 2),
                    ["recovered"] = recovered ? 1 : 0,
                    ["stsCircuitStateAtClear"] = circuit,
                }
                : new Dictionary<string, double>(StringComparer.Ordinal)
                {
                    ["recoverySeconds"] = Math.Round(recovery.TotalSeconds, 2),
                    ["recovered"] = recovered ? 1 : 0,
                },
            Notes = [RecoveryNote(recovery, recovered, circuitAtClear)],
        };
        return report.WithThresholds(
        [
            Threshold.Step("before", "cached", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Step("outage", "cached", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Step("outage", "new", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Metric("unscopedForwards", Comparison.Equal, 0),
            Threshold.Metric("newServedDuringOutage", Comparison.Equal, 0),
            Threshold.Metric("recovered", Comparison.Equal, 1),
            Threshold.Step("after", "cached", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Step("after", "new", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
        ]);
    }

    private static ScenarioDefinition Definition(string name, double rate, TimeSpan during, TimeSpan warmUp, Func<ScenarioContext, Task> iteration) => new()
    {
        Name = name,
        Load = LoadSimulation.Inject(rate, during),
        WarmUp = warmUp,
        Iteration = iteration,
        StepTimeout = TimeSpan.FromSeconds(15),
    };

    /// <summary>
    /// What the single recovery figure measures: from clearing the STS fault to the first success of an organization
    /// refused during the outage (probed every 100 ms). With the gateway's STS circuit open at that moment the figure is
    /// mostly what remained of its break (<c>TenantIsolation:Sts:CircuitBreakDuration</c>, 10 s by default), so it
    /// ranges from a fraction of a second to that duration across runs.
    /// </summary>
    internal static string RecoveryNote(TimeSpan recovery, bool recovered, int? circuitStateAtClear)
    {
        var circuit = circuitStateAtClear switch
        {
            0 => "the gateway's STS circuit was closed when the fault was cleared, so this is the time to the first successful AssumeRole",
            1 or 3 => "the gateway's STS circuit was open when the fault was cleared, so this includes the rest of its break (TenantIsolation:Sts:CircuitBreakDuration, 10 s by default): across runs it ranges from under a second to that duration, depending on when the circuit last opened",
            2 => "the gateway's STS circuit was half-open when the fault was cleared (its next AssumeRole decides)",
            _ => "the gateway's STS circuit state was not readable from /metrics; an open circuit adds up to TenantIsolation:Sts:CircuitBreakDuration (10 s by default)",
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"Recovery: {recovery.TotalSeconds:0.00} s from clearing the STS fault to the first success for an organization refused during the outage (probed every 100 ms){(recovered ? "" : "; NOT recovered within 60 s")}; {circuit}.");
    }

    /// <summary><c>gateway_sts_circuit_state</c> from the gateway's /metrics (0 closed, 1 open, 2 half-open, 3 isolated), or null.</summary>
    internal static int? ParseCircuitState(string metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        foreach (var line in metrics.Split('\n'))
        {
            const string Name = "gateway_sts_circuit_state";
            if (!line.StartsWith(Name, StringComparison.Ordinal) || line.Length == Name.Length || line[Name.Length] is not ('{' or ' '))
            {
                continue;
            }

            // name{labels} value [timestamp]
            var rest = line[Name.Length] == '{' ? line[(line.IndexOf('}', StringComparison.Ordinal) + 1)..] : line[Name.Length..];
            var fields = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return (int)value;
            }
        }

        return null;
    }

    private static async Task<int?> StsCircuitStateAsync(HttpClient client, Uri gateway, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync(new Uri(gateway, "/metrics"), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode
                ? ParseCircuitState(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false))
                : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task CachedAsync(ScenarioContext ctx, HttpClient client, Uri gateway, IReadOnlyList<int> cached, IReadOnlyDictionary<int, string> tokens)
    {
        var index = cached[ctx.Random.Next(cached.Count)];
        var org = Tenants.Organization(index);
        await ctx.StepAsync("cached", async ct =>
        {
            var outcome = await HttpSteps.SendAsync(client, HttpSteps.Get(gateway, $"/orgs/{org}/applications", tokens[index]), ct).ConfigureAwait(false);
            HttpSteps.CountTenantContext(ctx, outcome);
            return HttpSteps.ToStep(outcome);
        }).ConfigureAwait(false);
    }

}
