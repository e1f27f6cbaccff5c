using System.Globalization;
using LoadTests.Engine;
using LoadTests.Reports;
using LoadTests.Stats;
using LoadTests.Thresholds;
using LoadTests.Topology;

namespace LoadTests.Scenarios;

/// <summary>
/// A rolling restart under steady load: three gateway instances in fleet mode (one redis-server) behind
/// <c>tools/FrontDoor</c> (active /readyz checks every second, passive checks, retries of idempotent requests), next to the
/// runner's LocalAws and sample API. <c>before</c>: steady multi-tenant traffic (80 % list, 20 % create, every answer
/// checked for other organizations' ids and for the backend's verdict on the tenant context); <c>rolling</c>: the same
/// while every instance in turn gets SIGTERM, is waited for until it exits (bounded; SIGKILL after), is started again on
/// its port and waited for until its /readyz answers 200 (then one front-door probe interval, so it is back in rotation
/// before the next one stops); <c>after</c>: the same with every instance back. A rolling restart must cost no request.
/// </summary>
internal sealed class RollingRestartScenario : ILoadScenario
{
    public const string ScenarioName = "rolling-restart";
    public const int Instances = 3;
    public const int DefaultOrganizations = 100;
    public const double DefaultRate = 40;

    /// <summary>
    /// <c>Shutdown:DrainDelay</c> given to every instance unless <c>--drain-delay</c> says otherwise. The front door probes
    /// /readyz every <c>FrontDoorDefaults.ActiveInterval</c> (1 s) with a <c>ActiveTimeout</c> (1 s) and takes an instance out
    /// at the first 503, so it stops routing to a draining instance at most interval + timeout = 2 s after SIGTERM; 3 s
    /// leaves 1 s for scheduling on a loaded machine. (The gateway's default, 5 s, is sized for Kubernetes endpoints.)
    /// </summary>
    public static readonly TimeSpan DefaultDrainDelay = TimeSpan.FromSeconds(3);

    /// <summary>The gateway's <c>Shutdown:Timeout</c> default: in-flight requests may take this long after the drain.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(25);

    /// <summary>After a restarted instance's /readyz is 200: one front-door probe interval (1 s) + slack, so it is in rotation again.</summary>
    public static readonly TimeSpan BackInRotation = TimeSpan.FromSeconds(1.5);

    /// <summary>Upper bound of the rolling phase (it ends when the last instance is back).</summary>
    private static readonly TimeSpan s_maxRolling = TimeSpan.FromMinutes(10);

    public string Name => ScenarioName;

    public async Task<ScenarioReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var rate = options.Rate ?? DefaultRate;
        var phase = environment.PhaseDuration(3);
        var drain = options.DrainDelay ?? DefaultDrainDelay;
        var organizations = await environment.Seeder.AllocateFreshAsync(options.Organizations ?? DefaultOrganizations, cancellationToken).ConfigureAwait(false);
        var tokens = await TenantTraffic.TokensAsync(environment, organizations, cancellationToken).ConfigureAwait(false);
        var client = environment.CreateClient(options.Connections ?? 64);

        environment.Progress.Note(string.Create(CultureInfo.InvariantCulture, $"Starting redis-server, {Instances} gateway instances (Shutdown:DrainDelay {drain.TotalSeconds:0.###} s) and the front door"));
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Shutdown__DrainDelay"] = drain.ToString("c", CultureInfo.InvariantCulture),
            ["Shutdown__Timeout"] = ShutdownTimeout.ToString("c", CultureInfo.InvariantCulture),
        };
        await using var fleet = await GatewayFleet.StartAsync(environment.Topology, Instances, settings, environment.Progress, cancellationToken).ConfigureAwait(false);
        var frontDoor = await fleet.StartFrontDoorAsync(cancellationToken).ConfigureAwait(false);

        var prime = await TenantTraffic.PrimeAsync(environment, "prime", client, organizations, tokens, cancellationToken, frontDoor).ConfigureAwait(false);
        var before = await environment.Runner.RunAsync(Steady("before", LoadSimulation.Inject(rate, phase), options.EffectiveWarmUp, client, frontDoor, organizations, tokens), cancellationToken).ConfigureAwait(false);

        var exitBound = drain + ShutdownTimeout + TimeSpan.FromSeconds(10);
        var log = new List<string>();
        var roll = RollAsync(fleet, exitBound, log, environment, cancellationToken);
        var rolling = await environment.Runner.RunAsync(
            Steady("rolling", LoadSimulation.Inject(rate, s_maxRolling), TimeSpan.Zero, client, frontDoor, organizations, tokens) with
            {
                StopWhen = roll,
                StopWhenReason = "until every instance was restarted and back in rotation",
            },
            cancellationToken).ConfigureAwait(false);
        var terminations = await roll.ConfigureAwait(false);
        var after = await environment.Runner.RunAsync(Steady("after", LoadSimulation.Inject(rate, phase), TimeSpan.Zero, client, frontDoor, organizations, tokens), cancellationToken).ConfigureAwait(false);

        return Evaluate(new ScenarioReport
        {
            Name = Name,
            Description = string.Create(CultureInfo.InvariantCulture,
                $"{Instances} gateway instances (fleet mode, Shutdown:DrainDelay {drain.TotalSeconds:0.###} s) behind tools/FrontDoor, next to the runner's LocalAws and sample API; open model at {rate:0} req/s over {organizations.Count} organizations, 80 % list / 20 % create, every answer checked for other organizations' ids. before: all instances up; rolling: every instance in turn SIGTERM → exit (at most {exitBound.TotalSeconds:0} s, then SIGKILL) → started again on its port → /readyz 200 → {BackInRotation.TotalSeconds:0.#} s back in rotation; after: all up again."),
            Phases = [prime, before, rolling, after],
            Counters = Counters([before, rolling, after], terminations),
            Notes = [.. log],
        });
    }

    /// <summary>The scenario's top-level counters from its measured phases (prime excluded) and the restarts.</summary>
    internal static Dictionary<string, long> Counters(IReadOnlyList<ScenarioResult> phases, IReadOnlyList<Termination> terminations) => new(StringComparer.Ordinal)
    {
        ["instances"] = Instances,
        ["restarts"] = terminations.Count,
        ["requests"] = phases.Sum(p => p.Steps.Sum(s => s.Requests)),
        ["failedRequests"] = phases.Sum(p => p.Steps.Sum(s => s.Fail)),
        ["crossTenantResponses"] = phases.Sum(p => p.Counter("crossTenantResponses")),
        ["unscopedForwards"] = phases.Sum(p => p.Counter("unscoped")),
        ["rejectedCredentials"] = phases.Sum(p => p.Counter("rejectedCredentials")),
        ["forcedKills"] = terminations.Count(t => t.Forced),
        ["notReadyBeforeClose"] = terminations.Count(t => t.NotReadyBeforeClose),
    };

    /// <summary>The thresholds: no failed request, no cross-tenant answer, no unscoped forward, every instance restarted.</summary>
    internal static ScenarioReport Evaluate(ScenarioReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.WithThresholds(
        [
            Threshold.Metric("requests", Comparison.GreaterThan, 0),
            Threshold.Metric("failedRequests", Comparison.Equal, 0),
            Threshold.Metric("crossTenantResponses", Comparison.Equal, 0),
            Threshold.Metric("unscopedForwards", Comparison.Equal, 0),
            Threshold.Metric("restarts", Comparison.Equal, Instances),
        ]);
    }

    /// <summary>Every instance in turn: SIGTERM, wait for its exit, start it on its port, wait for /readyz 200 and one probe interval.</summary>
    private static async Task<IReadOnlyList<Termination>> RollAsync(GatewayFleet fleet, TimeSpan exitBound, List<string> log, ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false); // the rolling phase's load is on before the first SIGTERM
        var done = new List<Termination>();
        for (var i = 0; i < fleet.Urls.Count; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"g{i + 1} ({fleet.Urls[i].Authority})");
            environment.Progress.Note($"SIGTERM to gateway {name}");
            var stopped = await fleet.TerminateAsync(i, exitBound).ConfigureAwait(false);
            var restartedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                await fleet.StartInstanceAsync(i, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                log.Add($"{name}: did not come back after SIGTERM: {ex.Message.Split('\n')[0]}");
                break;
            }

            var ready = System.Diagnostics.Stopwatch.GetElapsedTime(restartedAt);
            log.Add(Describe(name, stopped, ready));
            done.Add(stopped);
            await Task.Delay(BackInRotation, cancellationToken).ConfigureAwait(false);
        }

        return done;
    }

    internal static string Describe(string name, Termination stopped, TimeSpan readyAfterStart)
    {
        ArgumentNullException.ThrowIfNull(stopped);
        var exit = stopped.Forced
            ? string.Create(CultureInfo.InvariantCulture, $"did not exit within {stopped.ExitedAfter.TotalSeconds:0.0} s (SIGKILL)")
            : string.Create(CultureInfo.InvariantCulture, $"exited with code {stopped.ExitCode} after {stopped.ExitedAfter.TotalSeconds:0.00} s");
        var readiness = stopped.NotReadyAfter is { } notReady
            ? string.Create(CultureInfo.InvariantCulture, $"/readyz 503 after {notReady.TotalSeconds:0.00} s, port closed after {stopped.PortClosedAfter.TotalSeconds:0.00} s")
            : string.Create(CultureInfo.InvariantCulture, $"/readyz never said 503 before the port closed ({stopped.PortClosedAfter.TotalSeconds:0.00} s)");
        return string.Create(CultureInfo.InvariantCulture, $"{name}: SIGTERM → {readiness}; {exit}; started again on its port, /readyz 200 after {readyAfterStart.TotalSeconds:0.0} s.");
    }

    private static ScenarioDefinition Steady(string name, LoadSimulation load, TimeSpan warmUp, HttpClient client, Uri frontDoor, IReadOnlyList<int> organizations, IReadOnlyDictionary<int, string> tokens) => new()
    {
        Name = name,
        Load = load,
        WarmUp = warmUp,
        StepTimeout = TimeSpan.FromSeconds(30),
        DrainTimeout = TimeSpan.FromSeconds(35),
        Iteration = async ctx =>
        {
            var index = organizations[ctx.Random.Next(organizations.Count)];
            if (ctx.Random.NextDouble() < 0.8)
            {
                await TenantTraffic.ListAsync(ctx, "list", client, frontDoor, index, tokens[index]).ConfigureAwait(false);
            }
            else
            {
                await TenantTraffic.CreateAsync(ctx, "create", client, frontDoor, index, tokens[index]).ConfigureAwait(false);
            }
        },
    };
}
