using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using CsCheck;
using Gateway.Testing;
using Xunit.Abstractions;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>
/// Model-based test of <c>export</c> and <c>erase</c> (in-process verbs, real SDK, LocalAws): random sequences of exports,
/// writes to X and to its neighbours (ids with X as prefix: <c>X-2</c>, <c>Xx</c>), suspending and re-activating X, and
/// erase attempts (with the latest or an older export, with <c>--no-export</c>, without <c>--confirm</c>). The model
/// decides each erase independently of the tool: allowed only when X is SUSPENDED, confirmed, and either
/// <c>--no-export</c> or the export's snapshot of X (items and membership rows) equals X now. Invariant after every
/// step: every neighbour item is exactly as written (none is ever lost or changed) and X's items are exactly the model's
/// (erased only when the model allowed it); refusals are exit 1 with one line. Seed printed
/// (OFFBOARDING_MODEL_SEED, OFFBOARDING_MODEL_SEQUENCES to vary).
/// The incident runbook's sequences (<see cref="RunbookSequences_RevokedSessionsAlwaysDenied_NeighboursUntouched_EraseOnlyWhenPermitted"/>)
/// add the gateway binary's <c>evict --organization X</c> (a redis-server with no instance subscribed: exit 0, 0 of 0
/// confirmed) and <c>revoke --organization X</c> (exit 0, proven) to the same steps, with a further invariant after every
/// step: every STS session of X assumed before a revoke is refused by DynamoDB, the session assumed after the latest one
/// and the neighbours' sessions (assumed at the start, never revoked) are allowed. Seed printed (RUNBOOK_MODEL_SEED,
/// RUNBOOK_MODEL_SEQUENCES).
/// </summary>
public sealed class OffboardingModelTests(InProcessMigration migration, ITestOutputHelper output) : IClassFixture<InProcessMigration>
{
    private const ulong DefaultSeed = 24_2024;
    private const int DefaultSequences = 8;

    private abstract record Step;

    private sealed record ExportStep : Step;

    private sealed record WriteStep(bool Neighbour, int Which, int Item, int Version) : Step;

    private sealed record StatusStep(bool Suspended) : Step;

    /// <summary>Mode 0: the latest export; 1: the first export; 2: --no-export; 3: no --confirm.</summary>
    private sealed record EraseStep(int Mode) : Step;

    private static readonly Gen<Step> AnyStep = Gen.Frequency(
        (3, Gen.Const<Step>(new ExportStep())),
        (3, Gen.Select(Gen.Bool, Gen.Int[0, 1], Gen.Int[0, 4], Gen.Int[0, 1], (n, w, i, v) => (Step)new WriteStep(n, w, i, v))),
        (2, Gen.Bool.Select(s => (Step)new StatusStep(s))),
        (4, Gen.Int[0, 3].Select(m => (Step)new EraseStep(m))));

    private static readonly Gen<Step[]> Sequence = AnyStep.Array[6, 12];

    private sealed record EvictStep : Step;

    private sealed record RevokeStep : Step;

    /// <summary>The runbook's steps: suspend / evict / revoke / reactivate / export / erase, with writes of X and its neighbours between.</summary>
    private static readonly Gen<Step> RunbookStep = Gen.Frequency(
        (3, Gen.Const<Step>(new ExportStep())),
        (3, Gen.Select(Gen.Bool, Gen.Int[0, 1], Gen.Int[0, 4], Gen.Int[0, 1], (n, w, i, v) => (Step)new WriteStep(n, w, i, v))),
        (3, Gen.Bool.Select(s => (Step)new StatusStep(s))),
        (2, Gen.Const<Step>(new EvictStep())),
        (2, Gen.Const<Step>(new RevokeStep())),
        (3, Gen.Int[0, 3].Select(m => (Step)new EraseStep(m))));

    private static readonly Gen<Step[]> RunbookSequence = RunbookStep.Array[5, 9];

    private sealed record Snapshot(string Directory, Dictionary<string, string> Items, int Members);

    [Fact]
    public async Task RandomSequences_NoNeighbourItemEverLost_XErasedOnlyWithMatchingExportOrNoExport()
    {
        var seed = Environment.GetEnvironmentVariable("OFFBOARDING_MODEL_SEED") is { Length: > 0 } s ? ulong.Parse(s, CultureInfo.InvariantCulture) : DefaultSeed;
        var sequences = Environment.GetEnvironmentVariable("OFFBOARDING_MODEL_SEQUENCES") is { Length: > 0 } n ? int.Parse(n, CultureInfo.InvariantCulture) : DefaultSequences;
        output.WriteLine($"model seed {seed}, {sequences} sequences (OFFBOARDING_MODEL_SEED={seed} to repeat)");
        var started = DateTime.UtcNow;
        int steps = 0, erased = 0, refused = 0;
        for (var i = 0; i < sequences; i++)
        {
            var sequence = Sequence.Generate(new PCG(1, seed + (ulong)i), null, out _);
            steps += sequence.Length;
            var (e, r) = await RunSequenceAsync(seed, i, sequence);
            erased += e;
            refused += r;
        }

        output.WriteLine($"{sequences} sequences, {steps} steps ({erased} erasures, {refused} refusals) in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        Assert.True(erased > 0 && refused > 0, "the sequences must exercise both outcomes");
    }

    [Fact]
    public async Task RunbookSequences_RevokedSessionsAlwaysDenied_NeighboursUntouched_EraseOnlyWhenPermitted()
    {
        var seed = Environment.GetEnvironmentVariable("RUNBOOK_MODEL_SEED") is { Length: > 0 } s ? ulong.Parse(s, CultureInfo.InvariantCulture) : DefaultSeed + 1;
        var sequences = Environment.GetEnvironmentVariable("RUNBOOK_MODEL_SEQUENCES") is { Length: > 0 } n ? int.Parse(n, CultureInfo.InvariantCulture) : 3;
        output.WriteLine($"runbook model seed {seed}, {sequences} sequences (RUNBOOK_MODEL_SEED={seed} to repeat)");
        var started = DateTime.UtcNow;
        await using var redis = await RedisHost.StartAsync();
        var runbook = new Runbook(migration, redis);
        int steps = 0, erased = 0, refused = 0;
        for (var i = 0; i < sequences; i++)
        {
            var sequence = RunbookSequence.Generate(new PCG(7, seed + (ulong)i), null, out _);
            steps += sequence.Length;
            var (e, r) = await RunSequenceAsync(seed, i, sequence, runbook);
            erased += e;
            refused += r;
        }

        output.WriteLine($"{sequences} sequences, {steps} steps ({erased} erasures, {refused} refusals, {runbook.Revokes} revokes, {runbook.Evicts} evicts) in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        Assert.True(runbook.Revokes > 0 && runbook.Evicts > 0, "the sequences must revoke and evict");
    }

    private async Task<(int Erased, int Refused)> RunSequenceAsync(ulong seed, int index, Step[] sequence, Runbook? runbook = null)
    {
        var x = string.Create(CultureInfo.InvariantCulture, $"{(runbook is null ? "om" : "rb")}{seed}-{index}");
        string[] neighbours = [x + "-2", x + "x"];
        var model = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var members = new Dictionary<string, int>(StringComparer.Ordinal);
        using (var admin = migration.Admin())
        {
            foreach (var organization in neighbours.Prepend(x))
            {
                await admin.PutItemAsync(new PutItemRequest { TableName = "Organizations", Item = new() { ["organizationId"] = new(organization), ["status"] = new("ACTIVE") } });
                model[organization] = new(StringComparer.Ordinal);
                for (var item = 0; item < 3; item++)
                {
                    await PutAsync(organization, item, 0, model);
                }

                // user-1 is a member of every organization of the sequence (one shared user), user-2 of this one only
                foreach (var user in new[] { $"{x}-user-1", $"{organization}-user-2" })
                {
                    await admin.PutItemAsync(new PutItemRequest { TableName = "OrganizationUsers", Item = new() { ["userId"] = new(user), ["organizationId"] = new(organization), ["role"] = new("MEMBER") } });
                }

                members[organization] = 2;
            }
        }

        var exports = new List<Snapshot>();
        var suspended = false;
        var sessions = runbook is null ? null : await runbook.StartAsync(x, neighbours);
        int erasedCount = 0, refusedCount = 0, step = 0;
        foreach (var s in sequence)
        {
            step++;
            var where = $"seed {seed} sequence {index} step {step} ({s}) of [{string.Join(", ", sequence.Select(q => q.ToString()))}]";
            switch (s)
            {
                case ExportStep:
                {
                    var directory = Path.Combine(migration.Work, $"{x}-export-{step}");
                    var run = await migration.RunAsync(["export", "--organization", x, "--out", directory]);
                    Assert.True(run.ExitCode == 0, where + "\n" + run);
                    exports.Add(new Snapshot(directory, new(model[x], StringComparer.Ordinal), members[x]));
                    break;
                }

                case WriteStep write:
                    await PutAsync(write.Neighbour ? neighbours[write.Which] : x, write.Item, write.Version, model);
                    break;

                case StatusStep status:
                {
                    using var admin = migration.Admin();
                    await admin.PutItemAsync(new PutItemRequest { TableName = "Organizations", Item = new() { ["organizationId"] = new(x), ["status"] = new(status.Suspended ? "SUSPENDED" : "ACTIVE") } });
                    suspended = status.Suspended;
                    break;
                }

                case EvictStep:
                {
                    var run = await runbook!.RunGatewayAsync("evict", "--organization", x);
                    Assert.True(run.ExitCode == 0, where + "\n" + run);
                    Assert.StartsWith($"evicted organization {x} ", run.StandardOutput, StringComparison.Ordinal);
                    runbook.Evicts++;
                    break;
                }

                case RevokeStep:
                    await runbook!.RevokeAsync(x, sessions!, where);
                    break;

                case EraseStep erase:
                {
                    var record = Path.Combine(migration.Work, $"{x}-erasure-{step}");
                    var export = erase.Mode == 1 ? exports.FirstOrDefault() : exports.LastOrDefault();
                    string[] args = erase.Mode switch
                    {
                        2 => ["erase", "--organization", x, "--confirm", x, "--no-export", "--out", record],
                        3 => ["erase", "--organization", x, "--export", export?.Directory ?? record, "--out", record],
                        _ => ["erase", "--organization", x, "--confirm", x, "--export", export?.Directory ?? Path.Combine(migration.Work, $"{x}-none"), "--out", record],
                    };

                    // The model's decision, independent of the tool.
                    var matches = export is not null && export.Members == members[x] && export.Items.Count == model[x].Count && export.Items.All(i => model[x].TryGetValue(i.Key, out var v) && v == i.Value);
                    var allowed = erase.Mode != 3 && suspended && (erase.Mode == 2 || matches);
                    var run = await migration.RunAsync(args);
                    if (allowed)
                    {
                        Assert.True(run.ExitCode == 0, where + "\n" + run);
                        model[x].Clear();
                        members[x] = 0;
                        erasedCount++;
                    }
                    else
                    {
                        Assert.True(run.ExitCode == 1, where + "\n" + run);
                        Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                        refusedCount++;
                    }

                    break;
                }
            }

            // The invariant: the table holds exactly the model, for X and every neighbour.
            foreach (var organization in neighbours.Prepend(x))
            {
                var actual = await migration.TargetAsync(organization);
                Assert.True(actual.Count == model[organization].Count && actual.All(a => model[organization].TryGetValue(a.Key, out var v) && v == a.Value),
                    $"{where}: {organization} holds [{string.Join(", ", actual.OrderBy(a => a.Key).Select(a => a.Key + "=" + a.Value))}], the model [{string.Join(", ", model[organization].OrderBy(a => a.Key).Select(a => a.Key + "=" + a.Value))}]");
                Assert.Equal(members[organization], await MembersAsync(organization));
            }

            if (sessions is not null)
            {
                await Runbook.CheckSessionsAsync(sessions, where);
            }
        }

        if (sessions is not null)
        {
            sessions.Dispose();
        }

        return (erasedCount, refusedCount);
    }

    private async Task PutAsync(string organization, int item, int version, Dictionary<string, Dictionary<string, string>> model)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"app-{item}");
        var name = string.Create(CultureInfo.InvariantCulture, $"{organization} {id} v{version}");
        using var admin = migration.Admin();
        await admin.PutItemAsync(new PutItemRequest { TableName = "Applications", Item = InProcessMigration.TargetItem(organization, id, name) });
        model[organization][id] = name;
    }

    private async Task<int> MembersAsync(string organization)
    {
        using var admin = migration.Admin();
        var count = 0;
        var request = new ScanRequest { TableName = "OrganizationUsers", ConsistentRead = true };
        do
        {
            var page = await admin.ScanAsync(request);
            count += page.Items.Count(i => i["organizationId"].S == organization);
            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);
        return count;
    }

    /// <summary>STS sessions as the gateway assumes them, and what each must get from DynamoDB now.</summary>
    private sealed class Sessions : IDisposable
    {
        public List<(string Name, IAmazonDynamoDB Client, string Organization, bool Denied)> All { get; } = [];

        public void Dispose()
        {
            foreach (var session in All)
            {
                session.Client.Dispose();
            }
        }
    }

    /// <summary>The runbook's gateway verbs (the built binary, the operator's identity) and the session invariant.</summary>
    private sealed class Runbook(InProcessMigration migration, RedisHost redis)
    {
        public int Revokes { get; private set; }

        public int Evicts { get; set; }

        /// <summary>One session of X and one per neighbour, all assumed before anything happens (each allowed).</summary>
        public async Task<Sessions> StartAsync(string x, string[] neighbours)
        {
            var sessions = new Sessions();
            foreach (var organization in neighbours.Prepend(x))
            {
                sessions.All.Add(($"{organization} at the start", await AssumeAsync(organization), organization, false));
            }

            await CheckSessionsAsync(sessions, $"{x}: before the first step");
            return sessions;
        }

        /// <summary>revoke --organization X: exit 0 and proven; every session of X assumed so far is then denied, a fresh one allowed.</summary>
        public async Task RevokeAsync(string x, Sessions sessions, string where)
        {
            sessions.All.Add(($"{x} just before revoke {Revokes + 1}", await AssumeAsync(x), x, false));
            var run = await RunGatewayAsync("revoke", "--organization", x, "--timeout", "30");
            Assert.True(run.ExitCode == 0, where + "\n" + run);
            Assert.Contains("proven: the cut-off took effect", run.StandardOutput, StringComparison.Ordinal);
            Assert.Contains($"caches: evicted organization {x} ", run.StandardOutput, StringComparison.Ordinal);
            Revokes++;
            for (var i = 0; i < sessions.All.Count; i++)
            {
                if (sessions.All[i].Organization == x)
                {
                    sessions.All[i] = sessions.All[i] with { Denied = true };
                }
            }

            sessions.All.Add(($"{x} after revoke {Revokes}", await AssumeAsync(x), x, false));
        }

        public static async Task CheckSessionsAsync(Sessions sessions, string where)
        {
            foreach (var (name, client, organization, denied) in sessions.All)
            {
                var observed = await ReadAsync(client, organization);
                Assert.True(observed == (denied ? "AccessDeniedException" : "allowed"), $"{where}: session '{name}' got {observed}, expected {(denied ? "AccessDenied" : "allowed")}");
            }
        }

        /// <summary>The gateway binary (evict, revoke) against this LocalAws and redis-server, with LocalAws's operator user.</summary>
        public Task<ProcessRun> RunGatewayAsync(params string[] args) => migration.RunGatewayAsync(
            new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["TenantIsolation__SharedCache__Redis"] = redis.ConnectionString,
                ["TenantIsolation__SharedCache__Sealing__ActiveKeyId"] = "model-1",
                ["TenantIsolation__SharedCache__Sealing__Keys__model-1"] = Convert.ToBase64String(new byte[32]),
            },
            args);

        private Task<IAmazonDynamoDB> AssumeAsync(string organization) => TenantSessions.AssumeAsync(migration.Aws, organization);

        private static async Task<string> ReadAsync(IAmazonDynamoDB session, string organization)
        {
            var observed = await TenantSessions.GetItemAsync(session, organization, "app-0");
            return observed == TenantSessions.Allowed ? "allowed" : observed;
        }
    }
}
