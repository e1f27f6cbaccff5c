using System.Diagnostics;
using System.Globalization;
using Gateway.Testing;
using LoadTests.Engine;
using LoadTests.Reports;
using LoadTests.Stats;
using LoadTests.Thresholds;
using LoadTests.Topology;

namespace LoadTests.Scenarios;

/// <summary>
/// LocalAws fails under steady load on one gateway: <c>before</c>; <c>restart</c> — LocalAws is killed and started again
/// on its port with its data (organizations, memberships, applications survive; the STS sessions, held in memory, do not),
/// and the load goes on until <see cref="RecoveryBound"/> after it answers again; <c>after-restart</c> — every request must
/// succeed, without the gateway having been restarted; <c>freeze</c> — LocalAws is stopped with SIGSTOP for
/// <see cref="FreezeDuration"/> (connections accepted, nothing answered), then SIGCONT; <c>after-freeze</c>. Interim answers
/// must be 503 + <c>Retry-After</c> with a stable code (<see cref="InterimCodes"/>, each counted), never 401
/// <c>tenant_context_invalid</c>, and none may take longer than <see cref="HangBound"/>.
/// </summary>
internal sealed class DependencyFaultsScenario : ILoadScenario
{
    public const string ScenarioName = "dependency-faults";
    public const int DefaultOrganizations = 20;
    public const double DefaultRate = 40;

    /// <summary>
    /// After LocalAws answers again, requests must succeed again within this (<c>recoverySeconds</c>): the first answer
    /// <c>tenant_credentials_rejected</c> per credential set makes the gateway drop and re-mint it (docs/backend.md), i.e.
    /// about one request per organization plus an AssumeRole; 10 s leaves room for a loaded 2-core machine.
    /// </summary>
    public static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(10);

    /// <summary>How long LocalAws stays frozen: longer than the sample API's hung-store bound (about 7 s, docs/backend.md), so 503s must show.</summary>
    public static readonly TimeSpan FreezeDuration = TimeSpan.FromSeconds(10);

    /// <summary>
    /// No answer may take longer than this while LocalAws is frozen: the backend's bound (<c>TenantContext:DynamoDb:Timeout</c>
    /// 2 s × 3 attempts + back-off ≈ 7 s) or the gateway's own (<c>Aws:RequestTimeout</c> 3 s, <c>Sts:TotalTimeout</c> 6 s),
    /// plus slack for a loaded machine.
    /// </summary>
    public static readonly TimeSpan HangBound = TimeSpan.FromSeconds(15);

    /// <summary>The stable 503 codes an interim answer may carry (always with <c>Retry-After</c>).</summary>
    public static readonly IReadOnlyList<string> InterimCodes =
        ["data_store_unavailable", "tenant_credentials_rejected", "credentials_unavailable", "membership_unavailable"];

    /// <summary>
    /// The gateway's settings for this scenario. LocalAws is also the token issuer, and a restarted LocalAws signs with a new
    /// key; the gateway would drop the old key at its next JWKS refresh (1 min) and refuse the scenario's tokens — an
    /// identity-provider change this scenario is not about. So the refresh is set to its maximum (1 h).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> GatewaySettings = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Authentication__SigningKeyRefreshInterval"] = "01:00:00",
        ["Authentication__MaxSigningKeyStaleness"] = "02:00:00",
    };

    private static readonly TimeSpan s_maxFaultPhase = TimeSpan.FromMinutes(5);

    public string Name => ScenarioName;

    public async Task<ScenarioReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var topology = environment.Topology;
        if (topology.RestartableLocalAws is not { } awsOptions || topology.StartedLocalAws is not { } startedAws)
        {
            throw new InvalidOperationException("dependency-faults restarts and freezes LocalAws, so it needs the topology the runner starts itself (no --gateway-url/--backend-url/--localaws-url)");
        }

        var options = environment.Options;
        var rate = options.Rate ?? DefaultRate;
        var phase = environment.PhaseDuration(3);
        var organizations = await environment.Seeder.AllocateFreshAsync(options.Organizations ?? DefaultOrganizations, cancellationToken).ConfigureAwait(false);
        var tokens = await TenantTraffic.TokensAsync(environment, organizations, cancellationToken).ConfigureAwait(false);
        var client = environment.CreateClient(options.Connections ?? 64);
        var gateway = topology.Gateway;

        var aws = startedAws;
        LocalAwsHost? restarted = null;
        try
        {
            var prime = await TenantTraffic.PrimeAsync(environment, "prime", client, organizations, tokens, cancellationToken).ConfigureAwait(false);
            var before = await environment.Runner.RunAsync(Steady("before", LoadSimulation.Inject(rate, phase), options.EffectiveWarmUp, client, gateway, organizations, tokens, null), cancellationToken).ConfigureAwait(false);

            // (a) LocalAws restarted: killed (with dynalite), started again on its port with its data directory.
            var recovery = new FailureClock();
            long readyAt = 0;
            var restartSeconds = 0.0;
            var restart = Task.Run(async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                environment.Progress.Note("Killing LocalAws and starting it again on its port (its STS sessions are lost)");
                var killed = Stopwatch.GetTimestamp();
                await aws.DisposeAsync().ConfigureAwait(false);
                restarted = await LocalAwsHost.StartAsync(awsOptions, cancellationToken).ConfigureAwait(false);
                aws = restarted;
                readyAt = Stopwatch.GetTimestamp();
                restartSeconds = Stopwatch.GetElapsedTime(killed, readyAt).TotalSeconds;
                await Task.Delay(RecoveryBound, cancellationToken).ConfigureAwait(false);
            }, cancellationToken);
            var restartPhase = await environment.Runner.RunAsync(
                Steady("restart", LoadSimulation.Inject(rate, s_maxFaultPhase), TimeSpan.Zero, client, gateway, organizations, tokens, recovery) with
                {
                    StopWhen = restart,
                    StopWhenReason = string.Create(CultureInfo.InvariantCulture, $"until {RecoveryBound.TotalSeconds:0} s after the restarted LocalAws answered"),
                },
                cancellationToken).ConfigureAwait(false);
            await restart.ConfigureAwait(false);
            var afterRestart = await environment.Runner.RunAsync(Steady("after-restart", LoadSimulation.Inject(rate, phase), TimeSpan.Zero, client, gateway, organizations, tokens, recovery), cancellationToken).ConfigureAwait(false);
            var recoverySeconds = recovery.SecondsAfter(readyAt);

            // (b) LocalAws frozen: SIGSTOP for FreezeDuration, then SIGCONT (always).
            var freezePid = aws.ProcessId;
            var freeze = Task.Run(async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                environment.Progress.Note(string.Create(CultureInfo.InvariantCulture, $"Freezing LocalAws (SIGSTOP) for {FreezeDuration.TotalSeconds:0} s"));
                await Signals.SendAsync(freezePid, "STOP").ConfigureAwait(false);
                try
                {
                    await Task.Delay(FreezeDuration, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    await Signals.SendAsync(freezePid, "CONT").ConfigureAwait(false);
                }
            }, cancellationToken);
            ScenarioResult freezePhase;
            try
            {
                freezePhase = await environment.Runner.RunAsync(
                    Steady("freeze", LoadSimulation.Inject(rate, s_maxFaultPhase), TimeSpan.Zero, client, gateway, organizations, tokens, null) with
                    {
                        StopWhen = freeze,
                        StopWhenReason = string.Create(CultureInfo.InvariantCulture, $"until LocalAws was resumed after {FreezeDuration.TotalSeconds:0} s frozen"),
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await freeze.ConfigureAwait(false);
            }

            var afterFreeze = await environment.Runner.RunAsync(Steady("after-freeze", LoadSimulation.Inject(rate, phase), TimeSpan.Zero, client, gateway, organizations, tokens, null), cancellationToken).ConfigureAwait(false);

            ScenarioResult[] measured = [before, restartPhase, afterRestart, freezePhase, afterFreeze];
            var counters = new Dictionary<string, long>(StringComparer.Ordinal)
            {
                ["unscopedForwards"] = measured.Sum(p => p.Counter("unscoped")),
                ["tenantContextInvalid"] = measured.Sum(p => p.Counter("tenantContextInvalid")),
                ["unexpectedAnswers"] = restartPhase.Counter("unexpectedAnswers") + freezePhase.Counter("unexpectedAnswers"),
                ["hungRequests"] = measured.Sum(p => p.Counter("hungRequests")),
                ["rejectedCredentials"] = measured.Sum(p => p.Counter("rejectedCredentials")),
            };
            foreach (var (name, result) in new[] { ("restart", restartPhase), ("freeze", freezePhase) })
            {
                counters[name + ".interim503"] = result.Counter("interim503");
                foreach (var code in InterimCodes)
                {
                    counters[name + "." + code] = result.Counter(code);
                }

                counters[name + ".unexpectedAnswers"] = result.Counter("unexpectedAnswers");
            }

            var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["restartSeconds"] = Math.Round(restartSeconds, 2),
                ["recoverySeconds"] = Math.Round(recoverySeconds, 2),
                ["recoveryBoundSeconds"] = RecoveryBound.TotalSeconds,
                ["freezeSeconds"] = FreezeDuration.TotalSeconds,
                ["freeze.maxLatencyMs"] = freezePhase.Steps.Select(s => s.Latency.MaxMs).DefaultIfEmpty(0).Max(),
                ["hangBoundMs"] = HangBound.TotalMilliseconds,
            };

            return Evaluate(new ScenarioReport
            {
                Name = Name,
                Description = string.Create(CultureInfo.InvariantCulture,
                    $"One gateway, open model at {rate:0} req/s over {organizations.Count} organizations (GET /orgs/{{org}}/applications, answers checked for other organizations' ids). restart: LocalAws killed and started again on its port with its data (STS sessions lost), load until {RecoveryBound.TotalSeconds:0} s after it answers; after-restart: all must succeed (no gateway restart); freeze: LocalAws SIGSTOP for {FreezeDuration.TotalSeconds:0} s, then SIGCONT; after-freeze. Interim answers must be 503 + Retry-After with {string.Join(" / ", InterimCodes)}; none slower than {HangBound.TotalSeconds:0} s."),
                Phases = [prime, .. measured],
                Counters = counters,
                Metrics = metrics,
                Notes =
                [
                    RecoveryNote(restartSeconds, recoverySeconds, afterRestart.Steps.Sum(s => s.Fail)),
                    string.Create(CultureInfo.InvariantCulture, $"Freeze: {counters["freeze.interim503"]} answers 503 + Retry-After ({string.Join(", ", InterimCodes.Select(c => $"{c} {counters["freeze." + c]}"))}); slowest answer {metrics["freeze.maxLatencyMs"]:0} ms (bound {HangBound.TotalSeconds:0} s)."),
                ],
            });
        }
        finally
        {
            if (restarted is not null)
            {
                await restarted.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>What the recovery figure is: the last failed answer after LocalAws answered again, or the end of the measurement.</summary>
    internal static string RecoveryNote(double restartSeconds, double recoverySeconds, long afterRestartFailures) =>
        afterRestartFailures == 0
            ? string.Create(CultureInfo.InvariantCulture, $"LocalAws restart took {restartSeconds:0.0} s (kill → ready); requests succeeded again {recoverySeconds:0.00} s after it answered (its last failed answer; bound {RecoveryBound.TotalSeconds:0} s).")
            : string.Create(CultureInfo.InvariantCulture, $"LocalAws restart took {restartSeconds:0.0} s (kill → ready); requests had NOT recovered by the end of after-restart ({afterRestartFailures} failed there; {recoverySeconds:0.00} s after LocalAws answered is just where the measurement ended; bound {RecoveryBound.TotalSeconds:0} s).");

    /// <summary>The thresholds (also used by the unit tests on hand-made reports).</summary>
    internal static ScenarioReport Evaluate(ScenarioReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.WithThresholds(
        [
            Threshold.Step("before", "list", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Metric("unscopedForwards", Comparison.Equal, 0),
            Threshold.Metric("tenantContextInvalid", Comparison.Equal, 0),
            Threshold.Metric("unexpectedAnswers", Comparison.Equal, 0),
            Threshold.Metric("recoverySeconds", Comparison.LessOrEqual, RecoveryBound.TotalSeconds),
            Threshold.Step("after-restart", "list", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
            Threshold.Metric("freeze.interim503", Comparison.GreaterThan, 0),
            Threshold.Metric("hungRequests", Comparison.Equal, 0),
            Threshold.Step("after-freeze", "list", StepMetric.OkPercent, Comparison.GreaterOrEqual, 99.9),
        ]);
    }

    private static ScenarioDefinition Steady(string name, LoadSimulation load, TimeSpan warmUp, HttpClient client, Uri gateway, IReadOnlyList<int> organizations, IReadOnlyDictionary<int, string> tokens, FailureClock? failures) => new()
    {
        Name = name,
        Load = load,
        WarmUp = warmUp,
        StepTimeout = HangBound + TimeSpan.FromSeconds(10),
        DrainTimeout = HangBound + TimeSpan.FromSeconds(15),
        Iteration = async ctx =>
        {
            var index = organizations[ctx.Random.Next(organizations.Count)];
            var org = Tenants.Organization(index);
            var response = await ctx.StepAsync("list", async ct =>
            {
                var sent = Stopwatch.GetTimestamp();
                var outcome = await HttpSteps.SendAsync(client, HttpSteps.Get(gateway, $"/orgs/{org}/applications", tokens[index]), ct).ConfigureAwait(false);
                if (Stopwatch.GetElapsedTime(sent) > HangBound)
                {
                    ctx.Count("hungRequests");
                }

                return Classify(ctx, outcome, org);
            }).ConfigureAwait(false);
            if (!response.IsOk)
            {
                failures?.Failed();
                if (response.StatusCode == 0)
                {
                    // No answer at all (timeout, refused, reset): never an acceptable interim answer.
                    ctx.Count("unexpectedAnswers");
                    if (response.ErrorCode == "timeout")
                    {
                        ctx.Count("hungRequests");
                    }
                }
            }
        },
    };

    /// <summary>
    /// ok = 2xx without another organization's id. A failure is an acceptable interim answer only as 503 + Retry-After
    /// with one of <see cref="InterimCodes"/> (counted per code and as <c>interim503</c>); anything else counts as
    /// <c>unexpectedAnswers</c>, and 401 <c>tenant_context_invalid</c> also as <c>tenantContextInvalid</c>.
    /// </summary>
    internal static StepResponse Classify(ScenarioContext ctx, HttpOutcome outcome, string org)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(outcome);
        HttpSteps.CountTenantContext(ctx, outcome);
        if (outcome.Code == "tenant_context_invalid")
        {
            ctx.Count("tenantContextInvalid");
        }

        if (Tenants.FirstForeignOrganization(outcome.Body, org) is not null)
        {
            ctx.Count("crossTenantResponses");
            ctx.Count("unexpectedAnswers");
            return StepResponse.Fail(outcome.StatusCode, "cross_tenant_content", outcome.Size);
        }

        if (outcome.IsSuccess)
        {
            return StepResponse.Ok(outcome.StatusCode, outcome.Size);
        }

        if (IsInterim(outcome))
        {
            ctx.Count("interim503");
            ctx.Count(outcome.Code!);
            return StepResponse.Fail(503, outcome.Code, outcome.Size);
        }

        ctx.Count("unexpectedAnswers");
        var code = outcome.Code ?? "http_" + outcome.StatusCode.ToString(CultureInfo.InvariantCulture);
        return StepResponse.Fail(outcome.StatusCode, outcome.StatusCode == 503 && !outcome.HasRetryAfter ? code + " (no Retry-After)" : code, outcome.Size);
    }

    /// <summary>503 + Retry-After + one of <see cref="InterimCodes"/>.</summary>
    internal static bool IsInterim(HttpOutcome outcome) =>
        outcome is { StatusCode: 503, HasRetryAfter: true, Code: { } code } && InterimCodes.Contains(code);

    /// <summary>When the last failed answer of a fault and its aftermath came (Stopwatch timestamp).</summary>
    private sealed class FailureClock
    {
        private long _last;

        public void Failed()
        {
            var now = Stopwatch.GetTimestamp();
            long seen;
            do
            {
                seen = Interlocked.Read(ref _last);
            }
            while (now > seen && Interlocked.CompareExchange(ref _last, now, seen) != seen);
        }

        /// <summary>Seconds from <paramref name="start"/> to the last failure after it; 0 when none failed after it.</summary>
        public double SecondsAfter(long start)
        {
            var last = Interlocked.Read(ref _last);
            return start == 0 || last <= start ? 0 : Stopwatch.GetElapsedTime(start, last).TotalSeconds;
        }
    }
}
