using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using LoadTests.Engine;
using LoadTests.Reports;
using LoadTests.Stats;
using LoadTests.Thresholds;
using LoadTests.Topology;

namespace LoadTests.Scenarios;

/// <summary>
/// One organization writes and reads well above one partition key value's throughput budget, first unsharded, then — after
/// <c>Gateway.Migration reshard --organization X --shards 8</c> run under traffic — spread over 8 shard keys, while other
/// organizations keep steady traffic (issue 23, item 6). Everything goes through the real gateway and the sample API
/// (Gateway.Backend's TenantTable does the shard fan-out); LocalAws enforces the per-key budget.
/// <para>
/// The budget is DynamoDB's ratio (1 write unit : 3 read units) at <see cref="BudgetScale"/> of its size
/// (<see cref="PartitionWriteUnits"/> / <see cref="PartitionReadUnits"/> per key value per second instead of 1,000 / 3,000),
/// because this 2-core machine cannot push 1,000 writes a second through gateway + backend + LocalAws; the effect is per key
/// and does not depend on the scale. The hot organization offers <see cref="OfferedFactor"/>× the budget of one key in both.
/// </para>
/// <list type="bullet">
/// <item><c>prime</c>: every organization once; <c>warm</c>: all traffic, unmeasured.</item>
/// <item><c>unsharded</c>: the hot organization's create + delete pairs (<see cref="WritePairsPerSecond"/>/s, 1 write unit
/// each) and full list reads (<see cref="ListsPerSecond"/>/s over <see cref="HotItems"/> items of ≈ 2 KB), the others'
/// steady traffic (80 % list, 20 % create), and attacks from the hot organization's owner (its backend session aimed at another
/// organization's key and look-alike shard keys through the deliberately unsafe endpoint; another organization's path).</item>
/// <item><c>reshard</c>: the same traffic while the reshard CLI runs (the hot organization answers 503
/// <c>organization_migrating</c> meanwhile) and until the gateway serves it sharded (its session may then read
/// <c>{hot}#0</c>).</item>
/// <item><c>sharded</c>: the same as <c>unsharded</c>.</item>
/// </list>
/// Throttling is LocalAws's own count (<c>GET /_localaws/stats</c> <c>throttled</c>) around each measured phase.
/// </summary>
internal sealed class HotTenantScenario : ILoadScenario
{
    public const string ScenarioName = "hot-tenant";

    /// <summary>The per-key budget against DynamoDB's (1,000 WCU / 3,000 RCU per key value per second).</summary>
    public const double BudgetScale = 1.0 / 40;
    public const int PartitionWriteUnits = 25;
    public const int PartitionReadUnits = 75;
    public const int Shards = 8;

    /// <summary>Items of the hot organization seeded before the run, ≈ 2 KB each (a padding attribute the API does not return).</summary>
    public const int HotItems = 48;
    public const int PaddingChars = 1900;

    /// <summary>Create + delete pairs per second: 2 write units each, ≈ 3 × <see cref="PartitionWriteUnits"/>.</summary>
    public const double WritePairsPerSecond = 36;

    /// <summary>Full list reads per second: ≈ 96 KB read each (≈ 12 read units, eventually consistent), ≈ 3 × <see cref="PartitionReadUnits"/>.</summary>
    public const double ListsPerSecond = 18;
    public const double OfferedFactor = 3;
    public const int DefaultOtherOrganizations = 8;
    public const double DefaultOthersRate = 16;
    public const double AttacksPerSecond = 3;

    /// <summary>
    /// The other organizations' requests that must succeed (%): not 100, because on this machine every key shares one LocalAws
    /// and dynalite process, which the hot organization's throttled retries load (a 503 <c>data_store_unavailable</c> after a
    /// timeout is that process, not a partition); <c>othersMigrating</c> must be 0 regardless.
    /// </summary>
    public const double MinOthersOkPercent = 99;

    /// <summary>Sharded throttling must be at most this share of the unsharded one (≥ 10 × less).</summary>
    public const double MaxThrottledRatio = 0.1;

    private static readonly TimeSpan s_maxReshard = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan s_maxShardedProbe = TimeSpan.FromSeconds(30);

    /// <summary>Codes of a 503 + Retry-After that are an interim answer (a dependency), never a leak and never a 500.</summary>
    private static readonly HashSet<string> s_interim = new(StringComparer.Ordinal)
    {
        "data_store_unavailable", "membership_unavailable", "credentials_unavailable", "tenant_credentials_rejected",
    };

    public string Name => ScenarioName;

    /// <summary>LocalAws as this scenario starts it: the scaled per-key budget.</summary>
    public static Gateway.Testing.LocalAwsHostOptions LocalAwsOptions => new() { PartitionWriteUnits = PartitionWriteUnits, PartitionReadUnits = PartitionReadUnits };

    public async Task<ScenarioReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!environment.Topology.Started)
        {
            throw new InvalidOperationException("hot-tenant sets LocalAws's per-key throughput budget and reshards through LocalAws's admin key: run it without --gateway-url/--backend-url/--localaws-url");
        }

        var options = environment.Options;
        var phase = environment.PhaseDuration(2);
        var warmUp = environment.Options.EffectiveWarmUp;
        var others = await environment.Seeder.AllocateFreshAsync(options.Organizations ?? DefaultOtherOrganizations, cancellationToken).ConfigureAwait(false);
        var hot = (await environment.Seeder.AllocateFreshAsync(1, cancellationToken).ConfigureAwait(false))[0];
        var hotOrg = Tenants.Organization(hot);
        var seededIds = Enumerable.Range(1, HotItems).Select(i => string.Create(CultureInfo.InvariantCulture, $"app-hot-{i:D3}")).ToList();
        await environment.Seeder.PutPacedAsync("Applications", [.. seededIds.Select(id => HotItem(hotOrg, Tenants.User(hot), id))], PartitionWriteUnits, cancellationToken).ConfigureAwait(false);
        var tokens = await TenantTraffic.TokensAsync(environment, [.. others, hot], cancellationToken).ConfigureAwait(false);
        var s = new Setup(environment.Topology.Gateway, hot, hotOrg, tokens[hot], others, tokens, environment.CreateClient(options.Connections ?? 64), options.Rate ?? DefaultOthersRate);

        var runner = environment.Runner;
        var prime = await TenantTraffic.PrimeAsync(environment, "prime", s.Client, [.. others, hot], tokens, cancellationToken).ConfigureAwait(false);
        var warm = await runner.RunAsync(Traffic(s, "warm", LoadSimulation.Inject(s.TotalRate, TimeSpan.FromSeconds(Math.Max(1, warmUp.TotalSeconds))), Stage.Unsharded), cancellationToken).ConfigureAwait(false);

        var (unsharded, throttledUnsharded) = await ThrottledDuringAsync(environment, () =>
            runner.RunAsync(Traffic(s, "unsharded", LoadSimulation.Inject(s.TotalRate, phase), Stage.Unsharded), cancellationToken), cancellationToken).ConfigureAwait(false);

        var reshard = ReshardAndProbeAsync(environment, s, cancellationToken);
        var (resharding, throttledReshard) = await ThrottledDuringAsync(environment, () =>
            runner.RunAsync(Traffic(s, "reshard", LoadSimulation.Inject(s.TotalRate, s_maxReshard + s_maxShardedProbe), Stage.Resharding) with
            {
                StopWhen = reshard,
                StopWhenReason = "until the reshard CLI exited and the gateway served the organization sharded",
            }, cancellationToken), cancellationToken).ConfigureAwait(false);
        var outcome = await reshard.ConfigureAwait(false);

        ScenarioResult? sharded = null;
        long? throttledSharded = null;
        var found = new SeededCount(0, 0);
        if (outcome.Sharded)
        {
            (sharded, throttledSharded) = await ThrottledDuringAsync(environment, () =>
                runner.RunAsync(Traffic(s, "sharded", LoadSimulation.Inject(s.TotalRate, phase), Stage.Sharded), cancellationToken), cancellationToken).ConfigureAwait(false);
            found = await CountSeededAsync(s, seededIds, cancellationToken).ConfigureAwait(false);
        }

        ScenarioResult[] phases = sharded is null ? [prime, warm, unsharded, resharding] : [prime, warm, unsharded, resharding, sharded];
        return Evaluate(Report(s, phases, new Throttling(throttledUnsharded, throttledReshard, throttledSharded), outcome, found));
    }

    private static Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue> HotItem(string org, string user, string id) => new(StringComparer.Ordinal)
    {
        ["organizationId"] = new() { S = org },
        ["applicationId"] = new() { S = id },
        ["name"] = new() { S = "Hot app " + id },
        ["createdAt"] = new() { S = "2026-12-07T00:00:00.0000000+00:00" },
        ["createdBy"] = new() { S = user },
        ["notes"] = new() { S = new string('x', PaddingChars) },
    };

    /// <summary>Runs <paramref name="phase"/> between two reads of LocalAws's <c>throttled</c> counter.</summary>
    private static async Task<(ScenarioResult Result, long? Throttled)> ThrottledDuringAsync(ScenarioEnvironment environment, Func<Task<ScenarioResult>> phase, CancellationToken cancellationToken)
    {
        var (result, stats) = await environment.LocalAws.DuringAsync(phase, cancellationToken).ConfigureAwait(false);
        return (result, stats.Delta(s => s.Throttled));
    }

    /// <summary>
    /// Runs the reshard CLI (after 1 s of the phase's traffic), then — once it exited 0 — probes every 250 ms until the hot
    /// organization's session may read its own shard key <c>{hot}#0</c> (the gateway now mints sharded credentials).
    /// </summary>
    private static async Task<ReshardOutcome> ReshardAndProbeAsync(ScenarioEnvironment environment, Setup s, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        environment.Progress.Note(string.Create(CultureInfo.InvariantCulture, $"Resharding {s.HotOrganization} to {Shards} shards (Gateway.Migration reshard) under traffic"));
        var run = await Resharder.RunAsync(environment.Topology, s.HotOrganization, Shards, s_maxReshard, cancellationToken).ConfigureAwait(false);
        if (run.ExitCode != 0)
        {
            environment.Progress.Note($"reshard failed: exit {run.ExitCode}: {run.Summary}");
            return new ReshardOutcome(run, false, null);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < s_maxShardedProbe)
        {
            var probe = await HttpSteps.SendAsync(s.Client, HttpSteps.Get(s.Gateway, Unsafe(s.HotOrganization, s.HotOrganization + "#0"), s.HotToken), cancellationToken).ConfigureAwait(false);
            if (probe.IsSuccess)
            {
                s.ShardedServed = true;
                return new ReshardOutcome(run, true, clock.Elapsed);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }

        environment.Progress.Note($"reshard exited 0 but the gateway did not serve {s.HotOrganization} sharded within {s_maxShardedProbe.TotalSeconds:0} s");
        return new ReshardOutcome(run, false, clock.Elapsed);
    }

    /// <summary>The hot organization's list after the sharded phase: how many seeded items it holds, and how often each appears (duplicates).</summary>
    private static async Task<SeededCount> CountSeededAsync(Setup s, IReadOnlyList<string> seededIds, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var outcome = await HttpSteps.SendAsync(s.Client, HttpSteps.Get(s.Gateway, $"/orgs/{s.HotOrganization}/applications", s.HotToken), cancellationToken).ConfigureAwait(false);
            if (outcome.IsSuccess && outcome.Body is { } body)
            {
                var seen = ApplicationIds(body).Where(id => id.StartsWith("app-hot-", StringComparison.Ordinal)).ToList();
                var wanted = seededIds.ToHashSet(StringComparer.Ordinal);
                return new SeededCount(seen.Where(wanted.Contains).Distinct(StringComparer.Ordinal).Count(), seen.Count - seen.Distinct(StringComparer.Ordinal).Count());
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }

        return new SeededCount(0, 0);
    }

    internal static IEnumerable<string> ApplicationIds(string body)
    {
        using var document = JsonDocument.Parse(body);
        if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("applications", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return [.. list.EnumerateArray().Select(a => a.TryGetProperty("applicationId", out var id) ? id.GetString() ?? string.Empty : string.Empty)];
    }

    private static string Unsafe(string hotOrganization, string target) =>
        $"/orgs/{hotOrganization}/unsafe/applications?organizationId={Uri.EscapeDataString(target)}";

    private static ScenarioDefinition Traffic(Setup s, string name, LoadSimulation load, Stage stage) => new()
    {
        Name = name,
        Load = load,
        StepTimeout = TimeSpan.FromSeconds(15),
        Iteration = ctx =>
        {
            var pick = ctx.Random.NextDouble() * s.TotalRate;
            if ((pick -= WritePairsPerSecond) < 0)
            {
                return HotWriteAsync(ctx, s, stage);
            }

            if ((pick -= ListsPerSecond) < 0)
            {
                return HotAsync(ctx, s, stage, "hot-list", HttpSteps.Get(s.Gateway, $"/orgs/{s.HotOrganization}/applications", s.HotToken));
            }

            return (pick -= AttacksPerSecond) < 0 ? AttackAsync(ctx, s, stage) : OtherAsync(ctx, s);
        },
    };

    /// <summary>Create one application and delete it again: two writes of one write unit on the organization's key (or its shard).</summary>
    private static async Task HotWriteAsync(ScenarioContext ctx, Setup s, Stage stage)
    {
        var create = HttpSteps.Get(s.Gateway, $"/orgs/{s.HotOrganization}/applications", s.HotToken);
        create.Method = HttpMethod.Post;
        create.Content = JsonContent.Create(new { name = string.Create(CultureInfo.InvariantCulture, $"hot-{ctx.Iteration}") });
        var (created, body) = await HotAsync(ctx, s, stage, "hot-create", create).ConfigureAwait(false);
        if (created && body is not null && ApplicationId(body) is { } id)
        {
            // A throttled (or interim) delete is sent again after its Retry-After (1 s), at most DeleteAttempts times in all,
            // so the organization's data set stays the seeded one instead of growing by every throttled delete.
            for (var attempt = 1; attempt <= DeleteAttempts; attempt++)
            {
                var delete = HttpSteps.Get(s.Gateway, $"/orgs/{s.HotOrganization}/applications/{id}", s.HotToken);
                delete.Method = HttpMethod.Delete;
                var (deleted, _) = await HotAsync(ctx, s, stage, "hot-delete", delete).ConfigureAwait(false);
                if (deleted || attempt == DeleteAttempts || ctx.CancellationToken.IsCancellationRequested)
                {
                    break;
                }

                ctx.Count("hotDeleteRetries");
                await Task.Delay(TimeSpan.FromSeconds(1), ctx.CancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Attempts of one delete (the first and its retries after a 503).</summary>
    public const int DeleteAttempts = 4;

    private static string? ApplicationId(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("applicationId", out var id) ? id.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// One request of the hot organization. Expected: 2xx; a delete's 404 (<c>hotAlreadyGone</c>); 503 <c>data_store_throttled</c> + Retry-After (counted
    /// <c>hotThrottledAnswers</c>); during the reshard 503 <c>organization_migrating</c> + Retry-After; an interim 503 of a
    /// dependency. Anything else is <c>hotUnexpectedAnswers</c> (a 500 for throttling would be one). Another organization's
    /// id in the body is a cross-tenant response.
    /// </summary>
    private static async Task<(bool Success, string? Body)> HotAsync(ScenarioContext ctx, Setup s, Stage stage, string step, HttpRequestMessage request)
    {
        string? body = null;
        var response = await ctx.StepAsync(step, async ct =>
        {
            var outcome = await HttpSteps.SendAsync(s.Client, request, ct).ConfigureAwait(false);
            HttpSteps.CountTenantContext(ctx, outcome);
            body = outcome.Body;
            if (Tenants.FirstForeignOrganization(outcome.Body, s.HotOrganization) is not null)
            {
                ctx.Count("crossTenantResponses");
                return StepResponse.Fail(outcome.StatusCode, "cross_tenant_content", outcome.Size);
            }

            switch (Classify(outcome, stage))
            {
                case HotAnswer.Served:
                    return StepResponse.Ok(outcome.StatusCode, outcome.Size);
                case HotAnswer.AlreadyGone:
                    ctx.Count("hotAlreadyGone");
                    return StepResponse.Ok(404, outcome.Size, outcome.Code);
                case HotAnswer.Throttled:
                    ctx.Count("hotThrottledAnswers");
                    return StepResponse.Ok(503, outcome.Size, outcome.Code);
                case HotAnswer.Migrating:
                    ctx.Count("hotMigratingAnswers");
                    return StepResponse.Ok(503, outcome.Size, outcome.Code);
                case HotAnswer.Interim:
                    ctx.Count("hotInterimAnswers");
                    return HttpSteps.ToStep(outcome);
                default:
                    ctx.Count("hotUnexpectedAnswers");
                    return HttpSteps.ToStep(outcome);
            }
        }).ConfigureAwait(false);
        return (response.IsOk && response.StatusCode is >= 200 and < 300, body);
    }

    internal static HotAnswer Classify(HttpOutcome outcome, Stage stage) => outcome switch
    {
        { IsSuccess: true } => HotAnswer.Served,

        // A delete whose first attempt timed out at the SDK but was applied: its retry finds nothing (the sample answers 404).
        { StatusCode: 404, Code: "application_not_found" } => HotAnswer.AlreadyGone,
        { StatusCode: 503, HasRetryAfter: true, Code: DataStoreThrottled } => HotAnswer.Throttled,
        { StatusCode: 503, HasRetryAfter: true, Code: "organization_migrating" } when stage == Stage.Resharding => HotAnswer.Migrating,
        { StatusCode: 503, HasRetryAfter: true, Code: { } code } when s_interim.Contains(code) => HotAnswer.Interim,
        _ => HotAnswer.Unexpected,
    };

    /// <summary>The sample API's answer to DynamoDB throttling that outlasted the SDK's retries (samples/Applications.Api/DataStoreThrottling.cs).</summary>
    public const string DataStoreThrottled = "data_store_throttled";

    /// <summary>An attack kind: what the hot organization's owner asks for, by target.</summary>
    internal static IReadOnlyList<(string Kind, Func<Setup, int, string> Path)> AttackKinds(Stage stage)
    {
        List<(string, Func<Setup, int, string>)> kinds =
        [
            ("other-key", (s, o) => Unsafe(s.HotOrganization, Tenants.Organization(o))),
            ("other-shard-key", (s, o) => Unsafe(s.HotOrganization, Tenants.Organization(o) + "#0")),
            ("lookalike-shard-key", (s, _) => Unsafe(s.HotOrganization, s.HotOrganization + "x#0")),
            ("lookalike-key", (s, _) => Unsafe(s.HotOrganization, s.HotOrganization + "x")),
            ("beyond-shards", (s, _) => Unsafe(s.HotOrganization, string.Create(CultureInfo.InvariantCulture, $"{s.HotOrganization}#{Shards}"))),
            ("other-path", (s, o) => $"/orgs/{Tenants.Organization(o)}/applications"),
        ];
        if (stage == Stage.Unsharded)
        {
            // Before the reshard the organization has no shard keys: {hot}#0 is not its key yet.
            kinds.Add(("shard-key-before-reshard", (s, _) => Unsafe(s.HotOrganization, s.HotOrganization + "#0")));
        }

        return kinds;
    }

    /// <summary>
    /// An attack by the hot organization's owner. A leak: answered 2xx, or a body with another organization's id. Expected:
    /// 403 <c>tenant_access_denied</c> (IAM refused the backend's session) or 403 <c>not_a_member</c>; while resharding the
    /// gateway may answer 503 <c>organization_migrating</c> first (not a leak, not tried).
    /// </summary>
    private static async Task AttackAsync(ScenarioContext ctx, Setup s, Stage stage)
    {
        var kinds = AttackKinds(stage);
        var (kind, path) = kinds[(int)(s.NextAttack() % kinds.Count)];
        var other = s.Others[ctx.Random.Next(s.Others.Count)];
        await ctx.StepAsync("attack", async ct =>
        {
            var outcome = await HttpSteps.SendAsync(s.Client, HttpSteps.Get(s.Gateway, path(s, other), s.HotToken), ct).ConfigureAwait(false);
            HttpSteps.CountTenantContext(ctx, outcome);
            ctx.Count("attacks");
            if (outcome.IsSuccess || Tenants.FirstForeignOrganization(outcome.Body, s.HotOrganization) is not null)
            {
                ctx.Count("attackLeaks");
                ctx.Count("attackLeaks." + kind);
                return StepResponse.Fail(outcome.StatusCode, "leak_" + kind, outcome.Size);
            }

            if (outcome is { StatusCode: 403, Code: "tenant_access_denied" or "not_a_member" })
            {
                ctx.Count("attacksDenied");
                return StepResponse.Ok(403, outcome.Size, outcome.Code);
            }

            if (outcome is { StatusCode: 503, Code: "organization_migrating" })
            {
                ctx.Count("attacksNotTried");
                return StepResponse.Ok(503, outcome.Size, outcome.Code);
            }

            ctx.Count("attackOtherAnswers");
            return HttpSteps.ToStep(outcome);
        }).ConfigureAwait(false);
    }

    /// <summary>Another organization's steady traffic: 80 % list, 20 % create; every non-2xx is an error of the others.</summary>
    private static async Task OtherAsync(ScenarioContext ctx, Setup s)
    {
        var index = s.Others[ctx.Random.Next(s.Others.Count)];
        _ = ctx.Random.NextDouble() < 0.8
            ? await TenantTraffic.ListAsync(ctx, "others-list", s.Client, s.Gateway, index, s.Tokens[index]).ConfigureAwait(false)
            : await TenantTraffic.CreateAsync(ctx, "others-create", s.Client, s.Gateway, index, s.Tokens[index]).ConfigureAwait(false);
    }

    private static readonly string[] s_hotSteps = ["hot-create", "hot-delete", "hot-list"];
    private static readonly string[] s_otherSteps = ["others-list", "others-create"];

    /// <summary>The highest p99 (ms) among <paramref name="steps"/> of <paramref name="phase"/> that ran (null when none did).</summary>
    internal static double? MaxP99(ScenarioResult? phase, IEnumerable<string> steps)
    {
        var values = steps.Select(n => phase?.Step(n)).Where(st => st is { Requests: > 0 }).Select(st => st!.Latency.P99Ms).ToList();
        return values.Count == 0 ? null : values.Max();
    }

    private ScenarioReport Report(Setup s, ScenarioResult[] phases, Throttling throttling, ReshardOutcome reshard, SeededCount found)
    {
        var measured = phases.Where(p => p.Name is "unsharded" or "reshard" or "sharded").ToList();
        var unsharded = phases.FirstOrDefault(p => p.Name == "unsharded");
        var sharded = phases.FirstOrDefault(p => p.Name == "sharded");
        var otherSteps = measured.SelectMany(p => s_otherSteps.Select(p.Step)).Where(st => st is not null).Select(st => st!).ToList();
        var attackLeaks = measured.Sum(p => p.Counter("attackLeaks"));
        var crossTenant = measured.Sum(p => p.Counter("crossTenantResponses"));
        var counters = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["partitionWriteUnits"] = PartitionWriteUnits,
            ["partitionReadUnits"] = PartitionReadUnits,
            ["shards"] = Shards,
            ["hotShards"] = s.ShardedServed ? Shards : 1,
            ["reshardExitCode"] = reshard.Run.ExitCode,
            ["otherOrganizations"] = s.Others.Count,
            ["othersRequests"] = otherSteps.Sum(st => st.Requests),
            ["othersErrors"] = otherSteps.Sum(st => st.Fail),
            ["othersMigrating"] = otherSteps.Sum(st => st.ErrorCodes.GetValueOrDefault("organization_migrating")),
            ["attacks"] = measured.Sum(p => p.Counter("attacks")),
            ["attacksDenied"] = measured.Sum(p => p.Counter("attacksDenied")),
            ["attacksNotTried"] = measured.Sum(p => p.Counter("attacksNotTried")),
            ["attackOtherAnswers"] = measured.Sum(p => p.Counter("attackOtherAnswers")),
            ["attackLeaks"] = attackLeaks,
            ["crossTenantResponses"] = crossTenant,
            ["crossTenantLeaks"] = attackLeaks + crossTenant,
            ["hotUnexpectedAnswers"] = measured.Sum(p => p.Counter("hotUnexpectedAnswers")),
            ["hotInterimAnswers"] = measured.Sum(p => p.Counter("hotInterimAnswers")),
            ["hotMigratingAnswers"] = measured.Sum(p => p.Counter("hotMigratingAnswers")),
            ["hotAlreadyGone"] = measured.Sum(p => p.Counter("hotAlreadyGone")),
            ["hotDeleteRetries"] = measured.Sum(p => p.Counter("hotDeleteRetries")),
            ["hotThrottledAnswersUnsharded"] = unsharded?.Counter("hotThrottledAnswers") ?? 0,
            ["hotThrottledAnswersSharded"] = sharded?.Counter("hotThrottledAnswers") ?? 0,
            ["hotSeededItems"] = HotItems,
            ["hotSeededItemsFound"] = found.Found,
            ["hotDuplicateItems"] = found.Duplicates,
            ["unscopedForwards"] = phases.Sum(p => p.Counter("unscoped")),
            ["rejectedCredentials"] = phases.Sum(p => p.Counter("rejectedCredentials")),
        };
        if (throttling.Unsharded is { } tu)
        {
            counters["throttledUnsharded"] = tu;
        }

        if (throttling.Resharding is { } tr)
        {
            counters["throttledReshard"] = tr;
        }

        if (throttling.Sharded is { } ts)
        {
            counters["throttledSharded"] = ts;
        }

        foreach (var leak in measured.SelectMany(p => p.Counters).Where(c => c.Key.StartsWith("attackLeaks.", StringComparison.Ordinal)).GroupBy(c => c.Key, StringComparer.Ordinal))
        {
            counters[leak.Key] = leak.Sum(c => c.Value);
        }

        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["reshardSeconds"] = Math.Round(reshard.Run.Elapsed.TotalSeconds, 2),
        };
        if (counters["othersRequests"] > 0)
        {
            metrics["othersOkPercent"] = Math.Round(100.0 * (counters["othersRequests"] - counters["othersErrors"]) / counters["othersRequests"], 3);
        }
        if (reshard.ShardedAfter is { } probe)
        {
            metrics["shardedServedAfterSeconds"] = Math.Round(probe.TotalSeconds, 2);
        }

        if (MaxP99(unsharded, s_hotSteps) is { } hu)
        {
            metrics["hotP99UnshardedMs"] = hu;
        }

        if (MaxP99(sharded, s_hotSteps) is { } hs)
        {
            metrics["hotP99ShardedMs"] = hs;
        }

        foreach (var (name, p) in new[] { ("Unsharded", unsharded), ("Reshard", phases.FirstOrDefault(x => x.Name == "reshard")), ("Sharded", sharded) })
        {
            if (MaxP99(p, s_otherSteps) is { } o)
            {
                metrics["othersP99" + name + "Ms"] = o;
            }
        }

        if (measured.Select(p => MaxP99(p, s_otherSteps)).Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(double.NaN).Max() is var others && !double.IsNaN(others))
        {
            metrics["othersP99Ms"] = others;
        }

        if (throttling is { Unsharded: > 0, Sharded: { } sh })
        {
            metrics["throttledShardedToUnsharded"] = Math.Round((double)sh / throttling.Unsharded.Value, 4);
        }

        foreach (var (name, p) in new[] { ("Unsharded", unsharded), ("Sharded", sharded) })
        {
            if (p is { Duration.TotalSeconds: > 0 })
            {
                var served = s_hotSteps.Select(p.Step).Where(st => st is not null).Sum(st => st!.StatusCodes.Where(c => c.Key.StartsWith('2')).Sum(c => c.Value));
                metrics["hotServedPerSecond" + name] = Math.Round(served / p.Duration.TotalSeconds, 2);
            }
        }

        return new ScenarioReport
        {
            Name = Name,
            Description = string.Create(CultureInfo.InvariantCulture,
                $"LocalAws per-key budget {PartitionWriteUnits} write / {PartitionReadUnits} read units per second (DynamoDB's 1,000 / 3,000 scaled by {BudgetScale:0.###}). Hot organization {s.HotOrganization} ({HotItems} seeded items of ≈ 2 KB): {WritePairsPerSecond:0} create + delete pairs/s ({2 * WritePairsPerSecond:0} write units/s) and {ListsPerSecond:0} full lists/s (≈ {OfferedFactor:0} × one key's read budget), {AttacksPerSecond:0} attacks/s by its owner; {s.Others.Count} other organizations at {s.OthersRate:0.##} req/s (80 % list, 20 % create). unsharded → reshard (Gateway.Migration reshard --organization {s.HotOrganization} --shards {Shards}, under traffic) → sharded."),
            Phases = phases,
            Counters = counters,
            Metrics = metrics,
            Notes =
            [
                string.Create(CultureInfo.InvariantCulture, $"reshard: exit {reshard.Run.ExitCode} after {reshard.Run.Elapsed.TotalSeconds:0.#} s; {reshard.Run.Summary}"),
                string.Create(CultureInfo.InvariantCulture, $"LocalAws throttled (all keys): unsharded {throttling.Unsharded?.ToString(CultureInfo.InvariantCulture) ?? "?"}, reshard {throttling.Resharding?.ToString(CultureInfo.InvariantCulture) ?? "?"}, sharded {throttling.Sharded?.ToString(CultureInfo.InvariantCulture) ?? "(not run)"}. The hot organization's answers 503 data_store_throttled: unsharded {counters["hotThrottledAnswersUnsharded"]}, sharded {counters["hotThrottledAnswersSharded"]} (a request is answered so only once the SDK's retries were throttled too)."),
                "hotP99*Ms: the highest p99 among hot-create, hot-delete and hot-list in that phase; othersP99Ms: the highest p99 among the other organizations' steps over unsharded, reshard and sharded.",
            ],
        };
    }

    /// <summary>The thresholds (issue 23, item 6).</summary>
    internal static ScenarioReport Evaluate(ScenarioReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.WithThresholds(
        [
            Threshold.Metric("throttledUnsharded", Comparison.GreaterThan, 0),
            new Threshold(string.Create(CultureInfo.InvariantCulture, $"throttledSharded / throttledUnsharded <= {MaxThrottledRatio}"),
                r => r.Metrics.TryGetValue("throttledShardedToUnsharded", out var ratio) ? ratio : null, Comparison.LessOrEqual, MaxThrottledRatio),
            Threshold.Metric("crossTenantLeaks", Comparison.Equal, 0),
            Threshold.Metric("attacks", Comparison.GreaterThan, 0),
            Threshold.Metric("reshardExitCode", Comparison.Equal, 0),
            Threshold.Metric("hotShards", Comparison.Equal, Shards),
            Threshold.Metric("hotSeededItemsFound", Comparison.Equal, HotItems),
            Threshold.Metric("hotDuplicateItems", Comparison.Equal, 0),
            Threshold.Metric("hotUnexpectedAnswers", Comparison.Equal, 0),
            Threshold.Metric("othersRequests", Comparison.GreaterThan, 0),
            Threshold.Metric("othersOkPercent", Comparison.GreaterOrEqual, MinOthersOkPercent),
            Threshold.Metric("othersMigrating", Comparison.Equal, 0),
            Threshold.Metric("unscopedForwards", Comparison.Equal, 0),
        ]);
    }

    internal enum Stage
    {
        Unsharded,
        Resharding,
        Sharded,
    }

    internal enum HotAnswer
    {
        Served,
        AlreadyGone,
        Throttled,
        Migrating,
        Interim,
        Unexpected,
    }

    internal sealed class Setup(Uri gateway, int hot, string hotOrganization, string hotToken, IReadOnlyList<int> others, IReadOnlyDictionary<int, string> tokens, HttpClient client, double othersRate)
    {
        private long _attacks;
        private int _sharded;

        public Uri Gateway { get; } = gateway;

        public int Hot { get; } = hot;

        public string HotOrganization { get; } = hotOrganization;

        public string HotToken { get; } = hotToken;

        public IReadOnlyList<int> Others { get; } = others;

        public IReadOnlyDictionary<int, string> Tokens { get; } = tokens;

        public HttpClient Client { get; } = client;

        public double OthersRate { get; } = othersRate;

        public double TotalRate => WritePairsPerSecond + ListsPerSecond + AttacksPerSecond + OthersRate;

        /// <summary>Set once the gateway served the organization sharded (the probe read <c>{hot}#0</c>).</summary>
        public bool ShardedServed
        {
            get => Volatile.Read(ref _sharded) == 1;
            set => Volatile.Write(ref _sharded, value ? 1 : 0);
        }

        public long NextAttack() => Interlocked.Increment(ref _attacks);
    }

    private sealed record Throttling(long? Unsharded, long? Resharding, long? Sharded);

    private sealed record ReshardOutcome(Resharder.Result Run, bool Sharded, TimeSpan? ShardedAfter);

    private sealed record SeededCount(int Found, int Duplicates);
}
