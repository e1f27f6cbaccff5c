using System.Diagnostics;
using System.Globalization;
using LoadTests.Engine;
using LoadTests.Reports;
using LoadTests.Stats;
using LoadTests.Thresholds;
using LoadTests.Topology;

namespace LoadTests.Scenarios;

/// <summary>
/// One organization floods and then storms with new users while at least 20 others keep their steady traffic (issue 22,
/// items 4–5). The gateway(s) run with <c>TenantIsolation:RateLimits:Enabled=true</c>, the flooder's organization in tier
/// <see cref="FlooderTier"/> (<see cref="FlooderLimitPerSecond"/> req/s, burst <see cref="FlooderBurst"/>), the victims in
/// the default tier (<see cref="VictimTierRequestsPerSecond"/> req/s, far above their steady rate),
/// <c>CredentialScope=User</c> and <c>Sts:MaxAssumeRolePerSecond</c> = <see cref="AssumeRoleBudgetPerSecond"/>. With
/// <c>--instances 1</c> (default) that is the runner's own gateway; with more, a fleet sharing one redis-server (fleet-wide
/// limit and budget, <c>RateLimits:ExpectedInstances</c> = the fleet's size, which the STS budget's share follows).
/// <list type="bullet">
/// <item><c>prime</c>: every victim's owner and the flooder's owner once (closed model, as many copies as the AssumeRole
/// budget, so no first request waits past the admission timeout).</item>
/// <item><c>warm</c>: victims and flooder (unmeasured) so both paths are tiered up; then the runner waits (bounded) until
/// the gateways' background CPU has settled.</item>
/// <item><c>baseline</c>: victims only, <c>--rate</c> (default 40/s) over the victim organizations.</item>
/// <item><c>flood</c>: the same victims plus the flooder's owner at <see cref="FloodFactor"/> × its tier's rate (the
/// warm-up empties its bucket, so the measured admitted rate is the refill rate, not the burst).</item>
/// <item><c>storm</c>: victims go on; <see cref="StormUsers"/> never-seen users of the flooder's organization send their
/// first request each (every one a new per-user session); one never-seen user per victim organization as well (the fair
/// budget must admit them within the admission timeout).</item>
/// <item><c>serve-cost-1/2</c>, <c>reject-cost-1/2</c>, <c>floor-cost-1/2</c> (item 5, after the background CPU settled
/// again, two rounds in alternating order, all at the flood's rate): victims alone, the flooder alone (nearly every request
/// rejected), anonymous <c>/healthz</c> (the host's floor): CPU per served / rejected / floor request.</item>
/// </list>
/// AssumeRole per second comes from LocalAws's own counter: <c>GET /_localaws/stats</c> <c>assumeRoleCallsBySecond</c>,
/// the calls per whole UTC second of their arrival; the budget's windows are whole UTC seconds of the same clock (the
/// gateway's, or Redis <c>TIME</c> on this machine). A call admitted in a window's last milliseconds can arrive in the
/// next second, so the measure can only over-count. CPU per request comes from the gateway processes' runtime counters
/// (<see cref="ProcessCounters"/>), their idle rate subtracted.
/// </summary>
internal sealed class NoisyNeighbourScenario : ILoadScenario
{
    public const string ScenarioName = "noisy-neighbour";
    public const string FlooderTier = "noisy";
    public const string VictimTier = "default";

    /// <summary>The flooder tier's rate; divisible by 3 so a three-instance fleet's Redis fallback (limit / 3 each) is exact.</summary>
    public const double FlooderLimitPerSecond = 6;
    public const int FlooderBurst = 6;

    /// <summary>The flooder's offered rate over its tier's rate (the issue asks for ≥ 20; one more so rounding never drops below).</summary>
    public const double FloodFactor = 21;
    public const double RequiredFloodFactor = 20;
    public const double VictimTierRequestsPerSecond = 200;
    public const int VictimTierBurst = 400;

    /// <summary><c>Sts:MaxAssumeRolePerSecond</c>: below the flooder's tier rate, so the storm's admitted cold misses exceed it.</summary>
    public const int AssumeRoleBudgetPerSecond = 3;
    public const int DefaultOrganizations = 24;
    public const int MinVictimOrganizations = 20;
    public const double DefaultRate = 40;
    public const int StormUsers = 300;
    public const double MaxStormRate = 60;
    /// <summary>
    /// Victims' new users per second in the storm (spread evenly): with the flooder's one queue, fewer cold organizations
    /// at once than the budget, so each is admitted at the next budget second (the documented fairness bound).
    /// </summary>
    public const double MaxVictimNewUserRate = 1;
    public const double AdmittedTolerance = 0.15;
    public const double VictimP99Factor = 1.5;
    /// <summary>Background CPU (ms per second, per instance) below which a gateway counts as settled before a measured phase.</summary>
    public const double SettledCpuMsPerSecond = 30;
    private static readonly TimeSpan s_idle = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_maxSettle = TimeSpan.FromSeconds(20);

    public string Name => ScenarioName;

    /// <summary>The gateway settings of the scenario (environment variable names) for a gateway among <paramref name="instances"/>.</summary>
    public static IReadOnlyDictionary<string, string?> GatewaySettings(int instances)
    {
        var n = instances.ToString(CultureInfo.InvariantCulture);
        return new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["TenantIsolation__CredentialScope"] = "User",
            ["TenantIsolation__RateLimits__Enabled"] = "true",
            ["TenantIsolation__RateLimits__DefaultTier"] = VictimTier,
            ["TenantIsolation__RateLimits__ExpectedInstances"] = n,
            [$"TenantIsolation__RateLimits__Tiers__{VictimTier}__RequestsPerSecond"] = VictimTierRequestsPerSecond.ToString(CultureInfo.InvariantCulture),
            [$"TenantIsolation__RateLimits__Tiers__{VictimTier}__Burst"] = VictimTierBurst.ToString(CultureInfo.InvariantCulture),
            [$"TenantIsolation__RateLimits__Tiers__{FlooderTier}__RequestsPerSecond"] = FlooderLimitPerSecond.ToString(CultureInfo.InvariantCulture),
            [$"TenantIsolation__RateLimits__Tiers__{FlooderTier}__Burst"] = FlooderBurst.ToString(CultureInfo.InvariantCulture),
            ["TenantIsolation__Sts__MaxAssumeRolePerSecond"] = AssumeRoleBudgetPerSecond.ToString(CultureInfo.InvariantCulture),
        };
    }

    public async Task<ScenarioReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var instances = options.Instances ?? 1;
        if (instances == 1 && !environment.Topology.Started)
        {
            throw new InvalidOperationException("noisy-neighbour configures its gateway (rate limits, tiers, CredentialScope=User, the AssumeRole budget): run it without --gateway-url, or with --instances 3 (a fleet it starts itself)");
        }

        var rate = options.Rate ?? DefaultRate;
        var phase = environment.PhaseDuration(4);
        var floodRate = FloodFactor * FlooderLimitPerSecond;
        var victims = await environment.Seeder.AllocateFreshAsync(options.Organizations ?? DefaultOrganizations, cancellationToken).ConfigureAwait(false);
        var flooder = (await environment.Seeder.AllocateFreshAsync(1, cancellationToken).ConfigureAwait(false))[0];
        await environment.Seeder.SetTierAsync(flooder, FlooderTier, cancellationToken).ConfigureAwait(false);
        var stormUsers = Enumerable.Range(1, StormUsers).Select(n => string.Create(CultureInfo.InvariantCulture, $"{Tenants.User(flooder)}-s{n:D4}")).ToList();
        var victimNewUsers = victims.Select(v => (Organization: v, User: Tenants.User(v) + "-n1")).ToList();
        await environment.Seeder.AddMembersAsync([.. stormUsers.Select(u => (flooder, u)), .. victimNewUsers], "MEMBER", cancellationToken).ConfigureAwait(false);
        var tokens = await TenantTraffic.TokensAsync(environment, [.. victims, flooder], cancellationToken).ConfigureAwait(false);
        await environment.LocalAws.MintManyAsync([.. stormUsers, .. victimNewUsers.Select(v => v.User)], cancellationToken).ConfigureAwait(false);
        var userTokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var user in stormUsers.Concat(victimNewUsers.Select(v => v.User)))
        {
            userTokens[user] = await environment.LocalAws.TokenAsync(user, cancellationToken).ConfigureAwait(false);
        }

        var victimClient = environment.CreateClient(options.Connections ?? 64);
        var flooderClient = environment.CreateClient(32);
        var countersClient = environment.CreateClient(4);

        GatewayFleet? fleet = null;
        if (instances > 1)
        {
            environment.Progress.Note(string.Create(CultureInfo.InvariantCulture, $"Starting redis-server and {instances} gateway instances (fleet mode, rate limits on)"));
            fleet = await GatewayFleet.StartAsync(environment.Topology, instances, GatewaySettings(instances), environment.Progress, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            IReadOnlyList<Uri> urls = fleet is null ? [environment.Topology.Gateway] : fleet.Urls;
            return await RunPhasesAsync(environment, new Setup(instances, urls, victims, flooder, stormUsers, victimNewUsers, tokens, userTokens, victimClient, flooderClient, countersClient, rate, floodRate, phase), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (fleet is not null)
            {
                await fleet.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<ScenarioReport> RunPhasesAsync(ScenarioEnvironment environment, Setup s, CancellationToken cancellationToken)
    {
        var runner = environment.Runner;
        var warmUp = environment.Options.EffectiveWarmUp;
        var flooderOrg = Tenants.Organization(s.Flooder);
        Uri Pick(ScenarioContext ctx) => s.Urls[ctx.Random.Next(s.Urls.Count)];

        // prime: as many copies as the budget admits per second, so no first request waits past Sts:AdmissionTimeout.
        List<int> primed = [.. s.Victims, s.Flooder];
        var prime = await runner.RunAsync(new ScenarioDefinition
        {
            Name = "prime",
            Load = LoadSimulation.KeepConstant(Math.Min(AssumeRoleBudgetPerSecond, primed.Count), TimeSpan.FromSeconds(Math.Max(60, primed.Count))),
            MaxIterations = primed.Count,
            StepTimeout = TimeSpan.FromSeconds(15),
            Iteration = async ctx =>
            {
                var index = primed[(int)ctx.Iteration];
                await TenantTraffic.ListAsync(ctx, "prime", s.VictimClient, s.Urls[(int)(ctx.Iteration % s.Urls.Count)], index, s.Tokens[index]).ConfigureAwait(false);
            },
        }, cancellationToken).ConfigureAwait(false);

        // warm: both paths (served and rejected) before anything is measured, so baseline and flood both run on code the
        // runtime has already tiered up; then wait (bounded) until the gateways' background CPU has settled.
        var warm = await runner.RunAsync(new ScenarioDefinition
        {
            Name = "warm",
            Load = LoadSimulation.Inject(s.Rate + s.FloodRate, TimeSpan.FromSeconds(Math.Max(1, s.Phase.TotalSeconds / 2))),
            StepTimeout = TimeSpan.FromSeconds(15),
            Iteration = ctx => IsShare(ctx.Iteration, s.FloodRate / (s.Rate + s.FloodRate))
                ? FlooderAsync(ctx, "flooder", s.FlooderClient, Pick(ctx), flooderOrg, s.Tokens[s.Flooder], null)
                : VictimAsync(ctx, s, Pick(ctx), null),
        }, cancellationToken).ConfigureAwait(false);
        var settledForBaseline = await SettleAsync(s, environment, cancellationToken).ConfigureAwait(false);

        var firstSecond = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        ScenarioResult baseline, flood, storm;
        StormCounts stormSts;
        AssumeRoleWindows assumeRoles;
        {
            baseline = await runner.RunAsync(new ScenarioDefinition
            {
                Name = "baseline",
                Load = LoadSimulation.Inject(s.Rate, s.Phase),
                WarmUp = warmUp,
                StepTimeout = TimeSpan.FromSeconds(15),
                Iteration = ctx => VictimAsync(ctx, s, Pick(ctx), null),
            }, cancellationToken).ConfigureAwait(false);

            var flooderShare = s.FloodRate / (s.Rate + s.FloodRate);
            flood = await runner.RunAsync(new ScenarioDefinition
            {
                Name = "flood",
                Load = LoadSimulation.Inject(s.Rate + s.FloodRate, s.Phase),
                WarmUp = warmUp > TimeSpan.Zero ? warmUp : TimeSpan.FromSeconds(FlooderBurst / s.FloodRate * 2),
                StepTimeout = TimeSpan.FromSeconds(15),
                Iteration = ctx => IsShare(ctx.Iteration, flooderShare)
                    ? FlooderAsync(ctx, "flooder", s.FlooderClient, Pick(ctx), flooderOrg, s.Tokens[s.Flooder], null)
                    : VictimAsync(ctx, s, Pick(ctx), null),
            }, cancellationToken).ConfigureAwait(false);

            var stormRate = Math.Min(MaxStormRate, StormUsers / s.Phase.TotalSeconds);
            var newUserRate = Math.Min(MaxVictimNewUserRate, s.VictimNewUsers.Count / s.Phase.TotalSeconds);
            var total = s.Rate + stormRate + newUserRate;
            var nextStorm = -1;
            var nextNew = -1;
            (storm, var stormStats) = await environment.LocalAws.DuringAsync(() => runner.RunAsync(new ScenarioDefinition
            {
                Name = "storm",
                Load = LoadSimulation.Inject(total, s.Phase),
                StepTimeout = TimeSpan.FromSeconds(15),
                Iteration = async ctx =>
                {
                    if (IsShare(ctx.Iteration, newUserRate / total))
                    {
                        var slot = Interlocked.Increment(ref nextNew);
                        if (slot < s.VictimNewUsers.Count)
                        {
                            var (organization, user) = s.VictimNewUsers[slot];
                            await TenantTraffic.ListAsync(ctx, "victim-new-user", s.VictimClient, Pick(ctx), organization, s.UserTokens[user]).ConfigureAwait(false);
                            return;
                        }
                    }
                    else if (ctx.Random.NextDouble() * (total - newUserRate) < stormRate)
                    {
                        var slot = Interlocked.Increment(ref nextStorm);
                        if (slot < s.StormUsers.Count)
                        {
                            await StormUserAsync(ctx, s, Pick(ctx), flooderOrg, s.StormUsers[slot]).ConfigureAwait(false);
                            return;
                        }
                    }

                    await VictimAsync(ctx, s, Pick(ctx), null).ConfigureAwait(false);
                },
            }, cancellationToken), cancellationToken).ConfigureAwait(false);
            stormSts = new StormCounts(stormStats.Delta(c => c.AssumeRoleCalls), Math.Min(s.StormUsers.Count, nextStorm + 1), Math.Min(s.VictimNewUsers.Count, nextNew + 1));
            assumeRoles = AssumeRoleWindows.From(stormStats.After?.AssumeRoleCallsBySecond, firstSecond, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        }


        // Cheap rejection (item 5), on warm processes once their background work (tiered JIT) has settled: served-only and
        // rejected-only traffic at the same rate (the flood's), two rounds in alternating order (serve, reject, reject,
        // serve) so a drifting background charges both alike; the mean idle rate before and after is subtracted.
        var settledForCost = await SettleAsync(s, environment, cancellationToken).ConfigureAwait(false);
        var servedTally = new Tally();
        var rejectTally = new Tally();
        var floorTally = new Tally();
        var cpu = new Dictionary<string, List<PhaseCpu>>(StringComparer.Ordinal) { ["serve"] = [], ["reject"] = [], ["floor"] = [] };
        var costPhases = new List<ScenarioResult>();
        foreach (var (round, order) in new[] { (1, new[] { "serve", "reject", "floor" }), (2, new[] { "floor", "reject", "serve" }) })
        {
            foreach (var kind in order)
            {
                Func<ScenarioContext, Task> iteration = kind switch
                {
                    "serve" => ctx => VictimAsync(ctx, s, Pick(ctx), servedTally),
                    "reject" => ctx => FlooderAsync(ctx, "flooder", s.FlooderClient, Pick(ctx), flooderOrg, s.Tokens[s.Flooder], rejectTally),
                    _ => ctx => FloorAsync(ctx, s, Pick(ctx), floorTally),
                };
                var measured = await MeasureCpuAsync(s, () => runner.RunAsync(new ScenarioDefinition
                {
                    Name = string.Create(CultureInfo.InvariantCulture, $"{kind}-cost-{round}"),
                    Load = LoadSimulation.Inject(s.FloodRate, s.CostPhase),
                    StepTimeout = TimeSpan.FromSeconds(15),
                    Iteration = iteration,
                }, cancellationToken), cancellationToken).ConfigureAwait(false);
                cpu[kind].Add(measured);
                costPhases.Add(measured.Result);
            }
        }

        var idleAfter = await IdleCpuAsync(s, cancellationToken).ConfigureAwait(false);
        var cost = new CostMeasurement(settledForCost.IdlePerSecond, idleAfter, cpu["serve"], servedTally, cpu["reject"], rejectTally, cpu["floor"], floorTally, settledForCost.Waited);
        return Evaluate(Report(s, [prime, warm, baseline, flood, storm, .. costPhases], assumeRoles, stormSts, cost, settledForBaseline));
    }

    private ScenarioReport Report(Setup s, ScenarioResult[] phases, AssumeRoleWindows sts, StormCounts stormSts, CostMeasurement cost, Settled settledForBaseline)
    {
        var (baseline, flood, storm) = (phases[2], phases[3], phases[4]);
        var floodStep = flood.Step("flooder");
        var flooderRequests = floodStep?.Requests ?? 0;
        var flooderRejected = floodStep?.StatusCodes.GetValueOrDefault("429") ?? 0;
        var flooderAdmitted = floodStep?.StatusCodes.Where(c => c.Key is not "429" and not "0").Sum(c => c.Value) ?? 0;
        var floodSeconds = flood.Duration.TotalSeconds;
        StepStats?[] victimSteps = [baseline.Step("victim"), flood.Step("victim"), storm.Step("victim"), storm.Step("victim-new-user")];

        var counters = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["instances"] = s.Instances,
            ["victimOrganizations"] = s.Victims.Count,
            ["victimRequests"] = victimSteps.Sum(v => v?.Requests ?? 0),
            ["victimErrors"] = victimSteps.Sum(v => v?.Fail ?? 0),
            ["flooderRequests"] = flooderRequests,
            ["flooderRejected"] = flooderRejected,
            ["flooderAdmitted"] = flooderAdmitted,
            ["rejectedWithoutRetryAfter"] = phases.Sum(p => p.Counter("rejectedWithoutRetryAfter")),
            ["stormUsers"] = stormSts.StormUsers,
            ["stormServed"] = storm.Counter("stormServed"),
            ["stormRateLimited"] = storm.Counter("stormRateLimited"),
            ["stormCredentialsUnavailable"] = storm.Counter("stormCredentialsUnavailable"),
            ["victimNewUsers"] = stormSts.VictimNewUsers,
            ["assumeRoleBudgetPerSecond"] = AssumeRoleBudgetPerSecond,
            ["unscopedForwards"] = phases.Sum(p => p.Counter("unscoped")),
            ["rejectedCredentials"] = phases.Sum(p => p.Counter("rejectedCredentials")),
            ["crossTenantResponses"] = phases.Sum(p => p.Counter("crossTenantResponses")),
        };
        if (sts.Max is { } max)
        {
            counters["assumeRolePerSecondMax"] = max;
        }

        if (stormSts.AssumeRoleCalls is { } stormCalls)
        {
            counters["assumeRoleCalls.storm"] = stormCalls;
        }

        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["flooderLimitPerSecond"] = FlooderLimitPerSecond,
            ["flooderOfferedPerSecond"] = Math.Round(floodSeconds > 0 ? flooderRequests / floodSeconds : 0, 2),
            ["flooderAdmittedPerSecond"] = Math.Round(floodSeconds > 0 ? flooderAdmitted / floodSeconds : 0, 3),
        };
        metrics["flooderOfferedFactor"] = Math.Round(metrics["flooderOfferedPerSecond"] / FlooderLimitPerSecond, 2);
        if (baseline.Step("victim") is { Requests: > 0 } before && flood.Step("victim") is { Requests: > 0 } during)
        {
            metrics["victimBaselineP99Ms"] = before.Latency.P99Ms;
            metrics["victimP99Ms"] = during.Latency.P99Ms;
            metrics["victimBaselineP50Ms"] = before.Latency.P50Ms;
            metrics["victimP50Ms"] = during.Latency.P50Ms;
            if (before.Latency.P99Ms > 0)
            {
                metrics["victimP99Ratio"] = Math.Round(during.Latency.P99Ms / before.Latency.P99Ms, 3);
            }
        }

        if (storm.Step("victim") is { Requests: > 0 } stormVictims)
        {
            metrics["victimStormP99Ms"] = stormVictims.Latency.P99Ms;
        }

        if (storm.Step("victim-new-user") is { Requests: > 0 } newUsers)
        {
            metrics["victimNewUserP99Ms"] = newUsers.Latency.P99Ms;
        }

        if (cost.IdlePerSecond is { } idle)
        {
            metrics["gatewayIdleCpuMsPerSecond"] = Math.Round(idle * 1000, 3);
        }

        if (cost.ServedMicroseconds is { } perServed)
        {
            metrics["cpuMicrosecondsPerServed"] = Math.Round(perServed, 1);
        }

        if (cost.FloorMicroseconds is { } floor)
        {
            metrics["cpuMicrosecondsPerHealthz"] = Math.Round(floor, 1);
        }

        if (cost.RejectedMicroseconds is { } perRejected)
        {
            metrics["cpuMicrosecondsPerRejected"] = Math.Round(perRejected, 1);
            if (cost.ServedMicroseconds is { } served && served > 0)
            {
                metrics["cpuRejectedToServedRatio"] = Math.Round(perRejected / served, 3);
            }
        }

        var where = s.Instances == 1 ? "one gateway (no Redis: per-instance limit and budget)" : string.Create(CultureInfo.InvariantCulture, $"{s.Instances} gateway instances + redis-server (fleet-wide limit and budget)");
        return new ScenarioReport
        {
            Name = Name,
            Description = string.Create(CultureInfo.InvariantCulture,
                $"{where}; RateLimits on, CredentialScope=User, Sts:MaxAssumeRolePerSecond {AssumeRoleBudgetPerSecond}. {s.Victims.Count} victim organizations (tier '{VictimTier}', {VictimTierRequestsPerSecond:0} req/s) at {s.Rate:0.##} req/s in total; the flooder {Tenants.Organization(s.Flooder)} in tier '{FlooderTier}' ({FlooderLimitPerSecond:0.##} req/s, burst {FlooderBurst}). baseline: victims only; flood: + the flooder at {s.FloodRate:0.##} req/s; storm: victims + up to {s.StormUsers.Count} never-seen users of the flooder (one request each) + one never-seen user per victim organization; serve-cost / reject-cost: victims alone / the flooder alone at {s.FloodRate:0.##} req/s for the CPU per served / rejected request."),
            Phases = phases,
            Counters = counters,
            Metrics = metrics,
            Notes =
            [
                "AssumeRole calls per whole UTC second of their arrival at LocalAws (its own counter, GET /_localaws/stats assumeRoleCallsBySecond; the budget's windows are whole UTC seconds of the same clock), from baseline to the end of storm: " + sts.Series + ".",
                cost.Describe(),
                string.Create(CultureInfo.InvariantCulture, $"Before baseline the gateways' background CPU (tiered JIT after warm) was waited for {settledForBaseline.Waited.TotalSeconds:0.#} s until {(settledForBaseline.IdlePerSecond ?? 0) * 1000:0.#} ms/s (target ≤ {SettledCpuMsPerSecond * s.Instances:0} ms/s, at most {s_maxSettle.TotalSeconds:0} s)."),
                string.Create(CultureInfo.InvariantCulture, $"storm: {stormSts.StormUsers} new users of the flooder → {storm.Counter("stormServed")} served, {storm.Counter("stormRateLimited")} × 429 organization_rate_limited, {storm.Counter("stormCredentialsUnavailable")} × 503 credentials_unavailable (budget); {stormSts.VictimNewUsers} new users of victim organizations; {stormSts.AssumeRoleCalls?.ToString(CultureInfo.InvariantCulture) ?? "?"} AssumeRole calls."),
            ],
        };
    }

    /// <summary>The thresholds (issue 22, item 4).</summary>
    internal static ScenarioReport Evaluate(ScenarioReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.WithThresholds(
        [
            Threshold.Step("prime", "prime", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Metric("victimOrganizations", Comparison.GreaterOrEqual, MinVictimOrganizations),
            Threshold.Metric("victimRequests", Comparison.GreaterThan, 0),
            Threshold.Metric("victimErrors", Comparison.Equal, 0),
            new Threshold(string.Create(CultureInfo.InvariantCulture, $"victimP99Ms / victimBaselineP99Ms <= {VictimP99Factor}"),
                r => r.Metrics.TryGetValue("victimP99Ratio", out var ratio) ? ratio : null, Comparison.LessOrEqual, VictimP99Factor),
            Threshold.Metric("flooderOfferedFactor", Comparison.GreaterOrEqual, RequiredFloodFactor),
            Threshold.Metric("flooderAdmittedPerSecond", Comparison.GreaterOrEqual, Math.Round(FlooderLimitPerSecond * (1 - AdmittedTolerance), 3)),
            Threshold.Metric("flooderAdmittedPerSecond", Comparison.LessOrEqual, Math.Round(FlooderLimitPerSecond * (1 + AdmittedTolerance), 3)),
            Threshold.Metric("rejectedWithoutRetryAfter", Comparison.Equal, 0),
            Threshold.Metric("assumeRolePerSecondMax", Comparison.LessOrEqual, AssumeRoleBudgetPerSecond),
            Threshold.Metric("assumeRoleCalls.storm", Comparison.GreaterThan, 0),
            Threshold.Metric("unscopedForwards", Comparison.Equal, 0),
            Threshold.Metric("crossTenantResponses", Comparison.Equal, 0),
        ]);
    }

    /// <summary>True for a share <paramref name="share"/> of iterations, spread evenly (exact counts, unlike a random draw).</summary>
    internal static bool IsShare(long iteration, double share) => Math.Floor((iteration + 1) * share) > Math.Floor(iteration * share);

    private static async Task VictimAsync(ScenarioContext ctx, Setup s, Uri gateway, Tally? tally)
    {
        var index = s.Victims[ctx.Random.Next(s.Victims.Count)];
        var response = await TenantTraffic.ListAsync(ctx, "victim", s.VictimClient, gateway, index, s.Tokens[index]).ConfigureAwait(false);
        if (response.IsOk)
        {
            tally?.AddServed();
        }
    }

    /// <summary>The flooder's owner: a 429 <c>organization_rate_limited</c> with Retry-After is the expected answer (ok).</summary>
    private static async Task FlooderAsync(ScenarioContext ctx, string step, HttpClient client, Uri gateway, string org, string token, Tally? tally)
    {
        await ctx.StepAsync(step, async ct =>
        {
            var outcome = await HttpSteps.SendAsync(client, HttpSteps.Get(gateway, $"/orgs/{org}/applications", token), ct).ConfigureAwait(false);
            HttpSteps.CountTenantContext(ctx, outcome);
            if (outcome.StatusCode == 429)
            {
                tally?.AddRejected();
                if (outcome.Code != "organization_rate_limited" || !outcome.HasRetryAfter)
                {
                    ctx.Count("rejectedWithoutRetryAfter");
                    return StepResponse.Fail(429, (outcome.Code ?? "http_429") + " (no Retry-After)", outcome.Size);
                }

                return StepResponse.Ok(429, outcome.Size, outcome.Code);
            }

            tally?.AddServed();
            return HttpSteps.ToStep(outcome);
        }).ConfigureAwait(false);
    }

    /// <summary>The host's floor: anonymous <c>GET /healthz</c> (no authentication, no tenant decision).</summary>
    private static async Task FloorAsync(ScenarioContext ctx, Setup s, Uri gateway, Tally tally)
    {
        var response = await ctx.StepAsync("healthz", async ct =>
            HttpSteps.ToStep(await HttpSteps.SendAsync(s.VictimClient, HttpSteps.Get(gateway, "/healthz"), ct).ConfigureAwait(false))).ConfigureAwait(false);
        if (response.IsOk)
        {
            tally.AddServed();
        }
    }

    /// <summary>A never-seen user of the flooder: served, 429 (the tier's rate) or 503 + Retry-After (the AssumeRole budget) are all expected.</summary>
    private static async Task StormUserAsync(ScenarioContext ctx, Setup s, Uri gateway, string org, string user)
    {
        await ctx.StepAsync("flooder-new-user", async ct =>
        {
            var outcome = await HttpSteps.SendAsync(s.FlooderClient, HttpSteps.Get(gateway, $"/orgs/{org}/applications", s.UserTokens[user]), ct).ConfigureAwait(false);
            HttpSteps.CountTenantContext(ctx, outcome);
            switch (outcome.StatusCode)
            {
                case >= 200 and < 300:
                    ctx.Count("stormServed");
                    return StepResponse.Ok(outcome.StatusCode, outcome.Size);
                case 429 when outcome.Code == "organization_rate_limited" && outcome.HasRetryAfter:
                    ctx.Count("stormRateLimited");
                    return StepResponse.Ok(429, outcome.Size, outcome.Code);
                case 503 when outcome.Code == "credentials_unavailable" && outcome.HasRetryAfter:
                    ctx.Count("stormCredentialsUnavailable");
                    return StepResponse.Ok(503, outcome.Size, outcome.Code);
                default:
                    if (outcome.StatusCode == 429)
                    {
                        ctx.Count("rejectedWithoutRetryAfter");
                    }

                    return HttpSteps.ToStep(outcome);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Runs a phase between two reads of the gateways' CPU counters (CPU seconds and wall time in between).</summary>
    private static async Task<PhaseCpu> MeasureCpuAsync(Setup s, Func<Task<ScenarioResult>> phase, CancellationToken cancellationToken)
    {
        var before = await CpuSecondsAsync(s, cancellationToken).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        var result = await phase().ConfigureAwait(false);
        var after = await CpuSecondsAsync(s, cancellationToken).ConfigureAwait(false);
        return new PhaseCpu(result, before is { } b && after is { } a ? a - b : null, clock.Elapsed);
    }

    /// <summary>The gateways' CPU seconds per second over <see cref="s_idle"/> without traffic (null when a counter was missing).</summary>
    private static async Task<double?> IdleCpuAsync(Setup s, CancellationToken cancellationToken)
    {
        var before = await CpuSecondsAsync(s, cancellationToken).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        await Task.Delay(s_idle, cancellationToken).ConfigureAwait(false);
        var after = await CpuSecondsAsync(s, cancellationToken).ConfigureAwait(false);
        return before is { } b && after is { } a ? Math.Max(0, a - b) / clock.Elapsed.TotalSeconds : null;
    }

    /// <summary>
    /// Waits until the gateways' CPU without traffic is at most <see cref="SettledCpuMsPerSecond"/> per instance (tiered JIT
    /// and other background work done), measured in <see cref="s_idle"/> windows, at most <see cref="s_maxSettle"/>.
    /// </summary>
    private static async Task<Settled> SettleAsync(Setup s, ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        double? idle;
        do
        {
            idle = await IdleCpuAsync(s, cancellationToken).ConfigureAwait(false);
        }
        while (idle is { } rate && rate * 1000 > SettledCpuMsPerSecond * s.Instances && clock.Elapsed < s_maxSettle);

        environment.Progress.Note(string.Create(CultureInfo.InvariantCulture, $"gateway background CPU {(idle ?? 0) * 1000:0.#} ms/s after {clock.Elapsed.TotalSeconds:0.#} s"));
        return new Settled(idle, clock.Elapsed);
    }

    /// <summary>CPU seconds of every gateway process (sum), or null when one did not answer.</summary>
    private static async Task<double?> CpuSecondsAsync(Setup s, CancellationToken cancellationToken)
    {
        double total = 0;
        foreach (var url in s.Urls)
        {
            if (await ProcessCounters.ReadAsync(s.CountersClient, new Uri(url, "metrics"), cancellationToken).ConfigureAwait(false) is not { } sample)
            {
                return null;
            }

            total += sample.CpuSeconds;
        }

        return total;
    }

    private sealed record Setup(
        int Instances,
        IReadOnlyList<Uri> Urls,
        IReadOnlyList<int> Victims,
        int Flooder,
        IReadOnlyList<string> StormUsers,
        IReadOnlyList<(int Organization, string User)> VictimNewUsers,
        IReadOnlyDictionary<int, string> Tokens,
        IReadOnlyDictionary<string, string> UserTokens,
        HttpClient VictimClient,
        HttpClient FlooderClient,
        HttpClient CountersClient,
        double Rate,
        double FloodRate,
        TimeSpan Phase)
    {
        /// <summary>serve-, reject- and floor-cost-1/2: a quarter of a phase each (at least 1 s).</summary>
        public TimeSpan CostPhase => TimeSpan.FromSeconds(Math.Max(1, Phase.TotalSeconds / 4));
    }

    private sealed record PhaseCpu(ScenarioResult Result, double? CpuSeconds, TimeSpan Elapsed)
    {
        /// <summary>CPU seconds of the phase minus the idle rate over its wall time (≥ 0), or null.</summary>
        public double? Net(double? idlePerSecond) => CpuSeconds is { } cpu && idlePerSecond is { } idle ? Math.Max(0, cpu - (idle * Elapsed.TotalSeconds)) : null;
    }

    private sealed record Settled(double? IdlePerSecond, TimeSpan Waited);

    /// <summary>
    /// CPU µs per served request (serve-cost: victims only, every answer 2xx) and per rejected request (reject-cost: the
    /// flooder alone; the few requests its bucket still admits are charged at the served cost and taken out), over both
    /// rounds, the mean of the idle rate before and after subtracted from every phase.
    /// </summary>
    private sealed record CostMeasurement(double? IdleBefore, double? IdleAfter, IReadOnlyList<PhaseCpu> Serve, Tally Served, IReadOnlyList<PhaseCpu> Reject, Tally Rejected,
        IReadOnlyList<PhaseCpu> Floor, Tally FloorAnswers, TimeSpan SettledAfter)
    {
        /// <summary>The host's floor: CPU µs per anonymous <c>GET /healthz</c> (Kestrel, the middleware pipeline, no tenant work).</summary>
        public double? FloorMicroseconds => Net(Floor) is { } cpu && FloorAnswers.Served > 0 ? cpu * 1_000_000 / FloorAnswers.Served : null;

        public double? IdlePerSecond => IdleBefore is { } b && IdleAfter is { } a ? (a + b) / 2 : null;

        public double? ServedMicroseconds => Net(Serve) is { } cpu && Served.Served > 0 ? cpu * 1_000_000 / Served.Served : null;

        public double? RejectedMicroseconds => Net(Reject) is { } cpu && Rejected.Rejected > 0 && ServedMicroseconds is { } served
            ? Math.Max(0, (cpu * 1_000_000) - (Rejected.Served * served)) / Rejected.Rejected
            : null;

        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"CPU per request: the gateway process(es)' runtime counter {ProcessCounters.CpuSeconds} (sum over instances) around serve-cost-1/2 ({Served.Served} answers, all served: {Raw(Serve) * 1000:0.#} ms CPU in {Serve.Sum(p => p.Elapsed.TotalSeconds):0.##} s) and reject-cost-1/2 ({Rejected.Rejected} rejected + {Rejected.Served} admitted, those charged at the served cost: {Raw(Reject) * 1000:0.#} ms CPU in {Reject.Sum(p => p.Elapsed.TotalSeconds):0.##} s), started after the background CPU settled ({SettledAfter.TotalSeconds:0.#} s); idle {IdleBefore * 1000:0.#} ms/s before, {IdleAfter * 1000:0.#} ms/s after, their mean subtracted. The host's floor (anonymous GET /healthz, floor-cost-1/2, {FloorAnswers.Served} answers): {FloorMicroseconds:0.#} µs per request.");

        private static double? Raw(IReadOnlyList<PhaseCpu> phases) => phases.All(p => p.CpuSeconds is not null) ? phases.Sum(p => p.CpuSeconds!.Value) : null;

        private double? Net(IReadOnlyList<PhaseCpu> phases)
        {
            double total = 0;
            foreach (var phase in phases)
            {
                if (phase.Net(IdlePerSecond) is not { } net)
                {
                    return null;
                }

                total += net;
            }

            return total;
        }
    }

    /// <summary>The storm phase's AssumeRole calls (LocalAws's count; null when it did not answer) and the new users it reached.</summary>
    private sealed record StormCounts(long? AssumeRoleCalls, long StormUsers, long VictimNewUsers);

    /// <summary>Answers counted across warm-up and measured part (the CPU window covers both).</summary>
    private sealed class Tally
    {
        private long _served;
        private long _rejected;

        public long Served => Interlocked.Read(ref _served);

        public long Rejected => Interlocked.Read(ref _rejected);

        public void AddServed() => Interlocked.Increment(ref _served);

        public void AddRejected() => Interlocked.Increment(ref _rejected);
    }

    /// <summary>AssumeRole calls per whole UTC second (LocalAws's <c>assumeRoleCallsBySecond</c>) from one second to another, and their maximum.</summary>
    internal sealed record AssumeRoleWindows(long? Max, string Series)
    {
        public static AssumeRoleWindows From(IReadOnlyDictionary<string, long>? bySecond, long firstSecond, long lastSecond)
        {
            if (bySecond is null)
            {
                return new AssumeRoleWindows(null, "LocalAws offers no assumeRoleCallsBySecond");
            }

            var counts = new List<long>();
            for (var second = firstSecond; second <= lastSecond; second++)
            {
                counts.Add(bySecond.TryGetValue(second.ToString(CultureInfo.InvariantCulture), out var calls) ? calls : 0);
            }

            return new AssumeRoleWindows(counts.Count == 0 ? null : counts.Max(), string.Join(' ', counts));
        }
    }

}
