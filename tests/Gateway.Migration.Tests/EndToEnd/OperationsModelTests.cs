using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using CsCheck;
using Gateway.Backend.DynamoDb;
using Gateway.Migration.Invocation;
using Gateway.Migration.Resharding;
using Gateway.Migration.Sharding;
using Gateway.Migration.Validation;
using Gateway.Testing;
using Xunit.Abstractions;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>
/// Model-based test of the stateful operator verbs together (in-process migration verbs, the gateway binary's
/// <c>revoke</c>, real SDK, LocalAws): random sequences over three organizations (X, its look-alikes <c>Xx</c> with 2
/// shards and <c>X-2</c>) of tenant writes and deletes (through <see cref="TenantTable"/> with the organization's current
/// shard count, refused as the gateway refuses them while it is not ACTIVE), <c>reshard</c> to 1, 2, 4, 8, 16 or 64 shards —
/// crashed at a named step (<see cref="ReshardCommand.Steps"/>) or suspended by the operator there — and its resumption,
/// suspend / activate (the runbook's update-item), <c>export</c> (some ended by an AWS failure part way and resumed later
/// into the same directory), <c>erase</c> (latest export, <c>--no-export</c>, no <c>--confirm</c>) and <c>revoke</c>.
/// Every verb's outcome is decided by the model first (refused ones: the documented exit code, one line, nothing
/// changed). Invariant after every step, from one consistent Scan of the whole table: every item is under the keys of the
/// organization it belongs to; an organization not erased holds exactly the model's items, each exactly once where its
/// shard count places it (during a reshard: at the old or the new place, nothing else); an erased one holds nothing
/// under any key; its organizations item says the model's status and shard count; sessions assumed before a revoke stay
/// refused by DynamoDB and the ones after it (and after a reshard, on the new keys) are allowed. A first, scripted
/// sequence covers erase during and after a crashed reshard, a reshard after revoke, an export after a reshard and an
/// export resumed across one. Seed printed (OPERATIONS_MODEL_SEED, OPERATIONS_MODEL_SEQUENCES to vary).
/// </summary>
public sealed class OperationsModelTests(InProcessMigration migration, ITestOutputHelper output) : IClassFixture<InProcessMigration>
{
    private const ulong DefaultSeed = 23_2024;
    private const int DefaultSequences = 2;
    private const int MaxRevokes = 2; // each is a gateway process (≈ 3–8 s here)
    private static readonly int[] Counts = [1, 2, 4, 8, 16, 64];

    private static readonly string[] CrashPoints =
        [ReshardCommand.Steps.Migrating, ReshardCommand.Steps.Drained, ReshardCommand.Steps.CopyBatch, ReshardCommand.Steps.Validated,
         ReshardCommand.Steps.Flipped, ReshardCommand.Steps.DeleteBatch, ReshardCommand.Steps.Deleted];

    private abstract record Step(int Org);

    private sealed record WriteStep(int Org, int Item, int Version) : Step(Org);

    private sealed record DeleteStep(int Org, int Item) : Step(Org);

    /// <summary>Hook 0: none; 1: crash at <paramref name="At"/>; 2: the operator suspends the organization there.</summary>
    private sealed record ReshardStep(int Org, int Shards, int Hook, string At) : Step(Org);

    private sealed record ResumeStep(int Org) : Step(Org);

    private sealed record StatusStep(int Org, bool Suspend) : Step(Org);

    /// <summary>FailAfter: null = uninterrupted; else Query calls answered before an AWS failure.</summary>
    private sealed record ExportStep(int Org, int? FailAfter) : Step(Org);

    private sealed record ExportResumeStep(int Org) : Step(Org);

    /// <summary>Mode 0: the latest complete export; 1: --no-export; 2: no --confirm.</summary>
    private sealed record EraseStep(int Org, int Mode) : Step(Org);

    private sealed record RevokeStep(int Org) : Step(Org);

    private static readonly Gen<int> AnyOrg = Gen.Int[0, 2];

    private static readonly Gen<Step> AnyStep = Gen.Frequency(
        (6, Gen.Select(AnyOrg, Gen.Int[0, 11], Gen.Int[0, 3], (o, i, v) => (Step)new WriteStep(o, i, v))),
        (2, Gen.Select(AnyOrg, Gen.Int[0, 11], (o, i) => (Step)new DeleteStep(o, i))),
        (5, Gen.Select(AnyOrg, Gen.Frequency((6, Gen.Int[0, 4]), (1, Gen.Const(5))), Gen.Int[0, 2], Gen.Int[0, CrashPoints.Length - 1],
            (o, s, h, c) => (Step)new ReshardStep(o, Counts[s], h, CrashPoints[c]))),
        (2, AnyOrg.Select(o => (Step)new ResumeStep(o))),
        (3, Gen.Select(AnyOrg, Gen.Bool, (o, s) => (Step)new StatusStep(o, s))),
        (3, Gen.Select(AnyOrg, Gen.Int[0, 3], (o, f) => (Step)new ExportStep(o, f == 0 ? null : f))),
        (1, AnyOrg.Select(o => (Step)new ExportResumeStep(o))),
        (3, Gen.Select(AnyOrg, Gen.Int[0, 2], (o, m) => (Step)new EraseStep(o, m))),
        (1, AnyOrg.Select(o => (Step)new RevokeStep(o))));

    private static readonly Gen<Step[]> Sequence = AnyStep.Array[14, 18];

    /// <summary>The scenarios the brief names, in order (X = 0, Xx = 1, X-2 = 2).</summary>
    private static readonly Step[] Scripted =
    [
        new WriteStep(0, 7, 1),
        new ExportStep(0, null),
        new ReshardStep(0, 4, 1, ReshardCommand.Steps.CopyBatch), // crashed after copying: two layouts
        new ExportStep(0, null), // refused: being resharded
        new EraseStep(0, 0), // refused: MIGRATING, not SUSPENDED
        new StatusStep(0, true), // the runbook's suspend, during the crashed reshard
        new EraseStep(0, 0), // refused: the export is of one layout, X now holds two
        new ExportStep(0, null), // refused: being resharded
        new ResumeStep(0), // the command export names finishes it; X stays SUSPENDED
        new ExportStep(0, null), // after the reshard: every one of the 4 shards
        new EraseStep(0, 0), // allowed
        new WriteStep(1, 3, 2),
        new RevokeStep(1),
        new ReshardStep(1, 8, 0, ReshardCommand.Steps.Migrating), // after the revoke: fresh sessions on the 8 keys work, old ones stay refused
        new ExportStep(1, 2), // ended by an AWS failure part way, with 8 shards
        new ReshardStep(1, 1, 0, ReshardCommand.Steps.Migrating),
        new ExportResumeStep(1), // refused: the directory's export read the keys of 8 shards
        new ExportStep(1, null),
        new ReshardStep(2, 2, 2, ReshardCommand.Steps.Validated), // the operator suspends X-2 during its reshard
        new EraseStep(2, 1), // erase --no-export after that stopped reshard: nothing of X-2 left in any key
        new ResumeStep(2), // finishes (nothing to move), X-2 stays SUSPENDED
        new WriteStep(2, 1, 3), // refused: suspended
    ];

    private sealed class Org(string id, int shards)
    {
        public string Id { get; } = id;

        public string Status { get; set; } = "ACTIVE";

        public int Shards { get; set; } = shards;

        public (int From, int To)? Pending { get; set; }

        public bool Erased { get; set; }

        public bool Revoked { get; set; }

        public int Version { get; set; }

        public Dictionary<string, string> Items { get; } = new(StringComparer.Ordinal);

        public List<string> Exports { get; } = [];

        public (string Directory, int Shards, int Version)? Partial { get; set; }

        public List<(string Name, IAmazonDynamoDB Client, IReadOnlyList<string> Keys, bool Denied)> Sessions { get; } = [];

        /// <summary>Where the model says an item is, with <paramref name="shards"/>.</summary>
        public string Place(string id, int shards) => TenantShards.PartitionKey(Id, TenantShards.ShardOf(new AttributeValue(id), shards), shards);
    }

    private sealed class Totals
    {
        public int Steps { get; set; }

        public int Reshards { get; set; }

        public int Crashes { get; set; }

        public int Suspended { get; set; }

        public int Resumes { get; set; }

        public int Exports { get; set; }

        public int ExportsFailed { get; set; }

        public int Erasures { get; set; }

        public int Refused { get; set; }

        public int Revokes { get; set; }

        public int EraseWhileResharding { get; set; }

        public int ReshardAfterRevoke { get; set; }

        public int ExportAfterReshard { get; set; }

        public Dictionary<string, TimeSpan> Time { get; } = new(StringComparer.Ordinal);
    }

    private sealed class CrashException : Exception
    {
    }

    private readonly List<Org> _all = [];

    [Fact]
    public async Task RandomSequences_OfReshardExportEraseRevoke_NoItemLostOrMisplaced_RefusalsChangeNothing()
    {
        var seed = Environment.GetEnvironmentVariable("OPERATIONS_MODEL_SEED") is { Length: > 0 } s ? ulong.Parse(s, CultureInfo.InvariantCulture) : DefaultSeed;
        var sequences = Environment.GetEnvironmentVariable("OPERATIONS_MODEL_SEQUENCES") is { Length: > 0 } n ? int.Parse(n, CultureInfo.InvariantCulture) : DefaultSequences;
        output.WriteLine($"operations model seed {seed}, the scripted sequence and {sequences} random ones (OPERATIONS_MODEL_SEED={seed} to repeat)");
        var started = DateTime.UtcNow;
        var totals = new Totals();
        try
        {
            await RunSequenceAsync(seed, -1, Scripted, totals);
            for (var i = 0; i < sequences; i++)
            {
                var sequence = Sequence.Generate(new PCG(31, seed + (ulong)i), null, out _);
                await RunSequenceAsync(seed, i, sequence, totals);
            }
        }
        finally
        {
            foreach (var org in _all)
            {
                foreach (var session in org.Sessions)
                {
                    session.Client.Dispose();
                }
            }
        }

        output.WriteLine(string.Join(", ", totals.Time.OrderByDescending(t => t.Value).Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Key} {t.Value.TotalSeconds:0.0} s"))));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{totals.Steps} steps: {totals.Reshards} reshards completed ({totals.Crashes} crashed, {totals.Suspended} suspended part way, {totals.Resumes} resumed), {totals.Exports} exports ({totals.ExportsFailed} ended by an AWS failure), {totals.Erasures} erasures, {totals.Revokes} revokes, {totals.Refused} refusals; erase while resharding {totals.EraseWhileResharding}, reshard after revoke {totals.ReshardAfterRevoke}, export after reshard {totals.ExportAfterReshard}; {(DateTime.UtcNow - started).TotalSeconds:0.0} s"));
        Assert.True(totals.Crashes > 0 && totals.Suspended > 0 && totals.Resumes > 0 && totals.ExportsFailed > 0 && totals.Erasures > 0 && totals.Refused > 0, "the sequences must crash, suspend, resume, fail exports, erase and refuse");
        Assert.True(totals.EraseWhileResharding > 0 && totals.ReshardAfterRevoke > 0 && totals.ExportAfterReshard > 0, "the named scenarios must be covered");
    }

    private async Task RunSequenceAsync(ulong seed, int index, Step[] sequence, Totals totals)
    {
        var x = index < 0 ? string.Create(CultureInfo.InvariantCulture, $"ops{seed}s") : string.Create(CultureInfo.InvariantCulture, $"ops{seed}r{index}");
        Org[] orgs = [new(x, 1), new(x + "x", 2), new(x + "-2", 1)];
        _all.AddRange(orgs);
        using (var admin = migration.Admin())
        {
            foreach (var org in orgs)
            {
                var record = new Dictionary<string, AttributeValue> { ["organizationId"] = new(org.Id), ["status"] = new("ACTIVE") };
                if (org.Shards > 1)
                {
                    record["shards"] = new AttributeValue { N = org.Shards.ToString(CultureInfo.InvariantCulture) };
                }

                await admin.PutItemAsync(new PutItemRequest { TableName = "Organizations", Item = record });
                for (var item = 0; item < 6; item++)
                {
                    await PutAsync(admin, org, item, 0);
                }

                org.Sessions.Add(("at the start", await TenantSessions.AssumeAsync(migration.Aws, org.Id, Keys(org)), Keys(org), false));
            }
        }

        var step = 0;
        foreach (var s in sequence)
        {
            step++;
            totals.Steps++;
            var org = orgs[s.Org];
            var where = $"seed {seed} sequence {(index < 0 ? "scripted" : index.ToString(CultureInfo.InvariantCulture))} step {step} ({s}, {org.Id} {org.Status} {org.Shards} shards{(org.Pending is { } p ? $", reshard {p.From}→{p.To} under way" : string.Empty)}{(org.Erased ? ", erased" : string.Empty)}) of [{string.Join(", ", sequence.Select(q => q.ToString()))}]";
            var timer = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                await RunStepAsync(s, org, step, where, totals);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                throw new Xunit.Sdk.XunitException($"{where}: {e}");
            }

            var ran = timer.Elapsed;
            await CheckAsync(orgs, where);
            totals.Time[s.GetType().Name] = totals.Time.GetValueOrDefault(s.GetType().Name) + ran;
            totals.Time["check"] = totals.Time.GetValueOrDefault("check") + (timer.Elapsed - ran);
        }
    }

    private async Task RunStepAsync(Step s, Org org, int step, string where, Totals totals)
    {
        switch (s)
        {
            case WriteStep write when Writable(org):
            {
                using var admin = migration.Admin();
                await PutAsync(admin, org, write.Item, write.Version);
                break;
            }

            case DeleteStep delete when Writable(org):
            {
                using var admin = migration.Admin();
                var id = Id(delete.Item);
                Assert.True(org.Items.Remove(id) == await ReshardTests.Table(admin, org.Id, org.Shards).DeleteItemAsync("applicationId", new AttributeValue(id)), where);
                org.Version++;
                break;
            }

            case WriteStep or DeleteStep:
                totals.Refused++; // not ACTIVE (suspended, MIGRATING): the gateway refuses, nothing reaches the table
                break;

            case ReshardStep reshard:
                await ReshardAsync(org, reshard.Shards, reshard.Hook, reshard.At, where, totals);
                break;

            case ResumeStep when org.Pending is { } pending:
                await ReshardAsync(org, pending.To, 0, string.Empty, where, totals);
                break;

            case ResumeStep:
                break;

            case StatusStep { Suspend: true }:
                await SetStatusAsync(org, "SUSPENDED");
                break;

            case StatusStep when !org.Erased && org.Pending is null:
                await SetStatusAsync(org, "ACTIVE");
                break;

            case StatusStep:
                break; // a careful operator never re-activates an erased or half-moved organization

            case ExportStep export:
                await ExportAsync(org, Path.Combine(migration.Work, $"{org.Id}-export-{step}"), export.FailAfter, resumed: false, where, totals);
                break;

            case ExportResumeStep when org.Partial is { } partial:
                await ExportAsync(org, partial.Directory, null, resumed: true, where, totals);
                break;

            case ExportResumeStep:
                break;

            case EraseStep erase:
                await EraseAsync(org, erase.Mode, Path.Combine(migration.Work, $"{org.Id}-erasure-{step}"), where, totals);
                break;

            case RevokeStep when totals.Revokes < MaxRevokes:
                await RevokeAsync(org, where, totals);
                break;

            case RevokeStep:
                break;
        }
    }

    private static bool Writable(Org org) => org.Status == "ACTIVE" && org.Pending is null && !org.Erased;

    private async Task ReshardAsync(Org org, int shards, int hook, string at, string where, Totals totals)
    {
        var c = CultureInfo.InvariantCulture;
        if (org.Pending is { } other && other.To != shards)
        {
            var refused = await migration.RunAsync(["reshard", "--organization", org.Id, "--shards", shards.ToString(c)]);
            Assert.True(refused.ExitCode == 2, where + "\n" + refused);
            Assert.Equal(string.Create(c, $"reshard: a reshard of '{org.Id}' from {other.From} to {other.To} shards is under way (status {org.Status}); re-run with --shards {other.To} to finish it"), Assert.Single(refused.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
            totals.Refused++;
            return;
        }

        if (org.Pending is null && org.Status != "ACTIVE")
        {
            var refused = await migration.RunAsync(["reshard", "--organization", org.Id, "--shards", shards.ToString(c)]);
            Assert.True(refused.ExitCode == 2, where + "\n" + refused);
            Assert.Equal($"reshard: organization '{org.Id}' is {org.Status}; reshard needs ACTIVE", Assert.Single(refused.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
            totals.Refused++;
            return;
        }

        if (org.Pending is null && org.Shards == shards)
        {
            var noop = await migration.RunAsync(["reshard", "--organization", org.Id, "--shards", shards.ToString(c)]);
            Assert.True(noop.ExitCode == 0 && noop.StandardOutput.Contains("nothing to do", StringComparison.Ordinal), where + "\n" + noop);
            return;
        }

        // A reshard under way (MIGRATING, or suspended by the operator meanwhile) is finished by the same command; the
        // organization keeps a status the operator set (SUSPENDED) and is ACTIVE again only if the reshard had set MIGRATING.
        var resuming = org.Pending is not null;
        var from = org.Pending?.From ?? org.Shards;
        var keep = org.Status == "SUSPENDED" ? "SUSPENDED" : "ACTIVE";
        var suspendedHere = false;
        async Task Hook(string name)
        {
            if (hook == 0 || name != at)
            {
                return;
            }

            if (hook == 1)
            {
                throw new CrashException();
            }

            if (org.Status != "SUSPENDED" && !suspendedHere)
            {
                suspendedHere = true;
                await SetStatusAsync(org, "SUSPENDED");
            }
        }

        var before = org.Status;
        try
        {
            var run = await migration.ReshardAsync(org.Id, shards.ToString(c), Hook);
            Assert.True(run.ExitCode == 0, where + "\n" + run);
            Assert.True(!resuming || run.StandardOutput.Contains($"reshard: resuming the reshard of {org.Id} ", StringComparison.Ordinal), where + "\n" + run);
            org.Shards = shards;
            org.Pending = null;
            org.Status = keep;
            totals.Reshards++;
            totals.Resumes += resuming ? 1 : 0;
            totals.ReshardAfterRevoke += org.Revoked ? 1 : 0;
            if (org.Status == "ACTIVE")
            {
                // The gateway's next session of the organization names the new keys: allowed on them (also after a revoke).
                org.Sessions.Add(($"after the reshard to {shards}", await TenantSessions.AssumeAsync(migration.Aws, org.Id, Keys(org)), Keys(org), false));
            }
        }
        catch (CrashException)
        {
            org.Pending = (from, shards);
            org.Status = resuming ? before : "MIGRATING";
            totals.Crashes++;
        }
        catch (UsageException e) when (suspendedHere)
        {
            // The next conditional status change found SUSPENDED: the tool stops with one line (exit 2) and leaves it so.
            Assert.True(e.Message == $"organization '{org.Id}' changed status while the migration tool worked on it (expected MIGRATING); left as it is now", where + "\n" + e.Message);
            org.Pending = (from, shards);
            org.Status = "SUSPENDED";
            totals.Suspended++;
        }
    }

    private async Task SetStatusAsync(Org org, string status)
    {
        await migration.SetStatusAsync(org.Id, status); // the runbook's update-item: SET status only
        org.Status = status;
    }

    private async Task ExportAsync(Org org, string directory, int? failAfter, bool resumed, string where, Totals totals)
    {
        var manifestPath = Path.Combine(directory, "manifest.json");
        var client = failAfter is { } k ? migration.AdminFailingAfter(k) : null;
        var run = await migration.RunAsync(["export", "--organization", org.Id, "--out", directory, "--page-size", "4"], dynamoDb: client is null ? null : () => client);
        if (org.Pending is { } pending)
        {
            Assert.True(run.ExitCode == 2, where + "\n" + run);
            Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"export: organization '{org.Id}' is being resharded from {pending.From} to {pending.To} shards ({org.Status}); finish it first: reshard --organization {org.Id} --shards {pending.To}"), Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
            Assert.False(File.Exists(manifestPath), where);
            totals.Refused++;
            return;
        }

        if (resumed && org.Partial is { } partial && partial.Shards != org.Shards)
        {
            // The directory's pages were read from the keys of another shard count: continuing there would skip or repeat items.
            Assert.True(run.ExitCode == 2, where + "\n" + run);
            var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"that read Applications at {(partial.Shards == 1 ? "the key " : string.Create(CultureInfo.InvariantCulture, $"the {partial.Shards} keys "))}{TenantShards.PartitionKey(org.Id, 0, partial.Shards)}", line, StringComparison.Ordinal);
            Assert.EndsWith("(resharded since): continuing would skip or repeat items; export into a new directory", line, StringComparison.Ordinal);
            Assert.False(File.Exists(manifestPath), where);
            org.Partial = null;
            totals.Refused++;
            return;
        }

        if (client is { Failed: true })
        {
            Assert.True(run.ExitCode == 3, where + "\n" + run);
            Assert.StartsWith("export: AWS error InternalServerError", Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
            Assert.False(File.Exists(manifestPath), where);
            org.Partial = (directory, org.Shards, org.Version);
            totals.ExportsFailed++;
            return;
        }

        Assert.True(run.ExitCode == 0, where + "\n" + run);
        var exact = !resumed || org.Partial?.Version == org.Version;
        if (resumed)
        {
            org.Partial = null;
        }
        using var manifest = JsonDocument.Parse(await File.ReadAllBytesAsync(manifestPath));
        var table = manifest.RootElement.GetProperty("tables").EnumerateArray().Single();
        Assert.Equal(Keys(org), table.GetProperty("partitions").EnumerateArray().Select(e => e.GetString()!).ToArray());
        var lines = await ReadExportAsync(directory);
        Assert.True(lines.Count == lines.Distinct().Count(), $"{where}: an item exported twice");
        Assert.Equal(lines.Count, manifest.RootElement.GetProperty("items").GetInt64());
        var digest = new OrganizationDigest(keepItems: false);
        foreach (var (partition, id, name) in lines)
        {
            Assert.True(partition == org.Place(id, org.Shards) && name.StartsWith(org.Id + " ", StringComparison.Ordinal), $"{where}: exported {partition} / {id} ({name})");
            digest.Add(Item(partition, id, name));
        }

        Assert.Equal(digest.Hash, manifest.RootElement.GetProperty("hash").GetString());
        if (exact)
        {
            // Uninterrupted (or resumed with nothing changed meanwhile): exactly the model's items, each once, in every shard.
            var expected = org.Items.Select(i => (org.Place(i.Key, org.Shards), i.Key, i.Value)).OrderBy(t => t).ToList();
            Assert.True(expected.SequenceEqual(lines.OrderBy(t => t)), $"{where}: exported [{string.Join(", ", lines.OrderBy(t => t))}], the model [{string.Join(", ", expected)}]");
        }

        org.Exports.Add(directory);
        totals.Exports++;
        totals.ExportAfterReshard += org.Shards > 1 && org.Items.Count > 0 ? 1 : 0;
    }

    private async Task EraseAsync(Org org, int mode, string record, string where, Totals totals)
    {
        var export = org.Exports.LastOrDefault() ?? Path.Combine(migration.Work, $"{org.Id}-no-export");
        string[] args = mode switch
        {
            1 => ["erase", "--organization", org.Id, "--confirm", org.Id, "--no-export", "--out", record],
            2 => ["erase", "--organization", org.Id, "--export", export, "--out", record],
            _ => ["erase", "--organization", org.Id, "--confirm", org.Id, "--export", export, "--out", record],
        };

        // The model's decision: confirmed, SUSPENDED, and --no-export or an export holding exactly what X's keys hold now.
        var now = (await ScanAsync()).Where(i => Owner(i.Partition) == org.Id).OrderBy(t => t).ToList();
        var matches = mode == 0 && org.Exports.Count > 0 && (await ReadExportAsync(export)).OrderBy(t => t).SequenceEqual(now);
        var allowed = mode != 2 && org.Status == "SUSPENDED" && (mode == 1 || matches);
        totals.EraseWhileResharding += org.Pending is not null ? 1 : 0;
        var run = await migration.RunAsync(args);
        if (allowed)
        {
            Assert.True(run.ExitCode == 0, where + "\n" + run);
            org.Items.Clear();
            org.Erased = true;
            org.Version++;
            totals.Erasures++;
        }
        else
        {
            Assert.True(run.ExitCode == 1, where + "\n" + run);
            Assert.StartsWith("erase: refused: ", Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
            totals.Refused++;
        }
    }

    /// <summary>The gateway binary's revoke: every session of the organization assumed so far is refused from then on; a fresh one is allowed; a write with a revoked one is refused and changes nothing.</summary>
    private async Task RevokeAsync(Org org, string where, Totals totals)
    {
        org.Sessions.Add(("just before the revoke", await TenantSessions.AssumeAsync(migration.Aws, org.Id, Keys(org)), Keys(org), false));
        var run = await migration.RunGatewayAsync(null, "revoke", "--organization", org.Id, "--timeout", "30");
        Assert.True(run.ExitCode == 0, where + "\n" + run);
        Assert.Contains("proven: the cut-off took effect", run.StandardOutput, StringComparison.Ordinal);
        totals.Revokes++;
        org.Revoked = true;
        for (var i = 0; i < org.Sessions.Count; i++)
        {
            org.Sessions[i] = org.Sessions[i] with { Denied = true };
        }

        var revoked = org.Sessions[^1];
        var id = Id(11);
        Assert.Equal("AccessDeniedException", await TenantSessions.PutItemAsync(revoked.Client, Item(org.Place(id, org.Shards), id, $"{org.Id} {id} leaked")));
        var fresh = await TenantSessions.AssumeAsync(migration.Aws, org.Id, Keys(org));
        org.Sessions.Add(("after the revoke", fresh, Keys(org), false));
        if (Writable(org))
        {
            // The allow twin: the same write with a session issued after the cut-off.
            var name = $"{org.Id} {id} after-revoke";
            Assert.Equal(TenantSessions.Allowed, await TenantSessions.PutItemAsync(fresh, Item(org.Place(id, org.Shards), id, name)));
            org.Items[id] = name;
            org.Version++;
        }
    }

    private async Task CheckAsync(Org[] current, string where)
    {
        var all = await ScanAsync();
        var byOwner = all.GroupBy(i => Owner(i.Partition)).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var known = _all.ToDictionary(o => o.Id, StringComparer.Ordinal);
        foreach (var (partition, id, name) in all)
        {
            // Every item is under the keys of the organization it belongs to (its name says whose it is).
            Assert.True(known.ContainsKey(Owner(partition)) && name.StartsWith(Owner(partition) + " ", StringComparison.Ordinal), $"{where}: {partition} / {id} ({name}) is under another organization's keys");
        }

        using var admin = migration.Admin();
        foreach (var org in _all)
        {
            // Organizations of earlier sequences do not change: their items are checked here, their record and sessions were.
            var raw = byOwner.GetValueOrDefault(org.Id) ?? [];
            var state = current.Contains(org) ? await ShardState.ReadAsync(admin, new Isolation.Configuration.MembershipOptions(), org.Id, CancellationToken.None) : null;
            Assert.True(state is null ? !current.Contains(org) : state.Status == org.Status, $"{where}: {org.Id} is {state?.Status}, the model says {org.Status}");
            if (org.Erased)
            {
                Assert.True(raw.Count == 0, $"{where}: erased {org.Id} still holds [{string.Join(", ", raw)}]");
            }

            if (org.Pending is { } pending)
            {
                Assert.True(state is null || (state.From == pending.From && state.To == pending.To && (state.Shards == pending.From || state.Shards == pending.To)), $"{where}: {org.Id}'s item says {state}");
                var places = raw.ToLookup(r => r.Id);
                foreach (var (partition, id, name) in raw)
                {
                    Assert.True(org.Items.TryGetValue(id, out var v) && v == name && (partition == org.Place(id, pending.From) || partition == org.Place(id, pending.To)), $"{where}: {partition} / {id} ({name}) during {org.Id}'s reshard");
                }

                foreach (var (id, name) in org.Items)
                {
                    Assert.True(places[id].Any(), $"{where}: {id} ({name}) of {org.Id} is lost during its reshard");
                }
            }
            else
            {
                Assert.True(state is null || (state.Shards == org.Shards && !state.InProgress), $"{where}: {org.Id}'s item says {state}, the model {org.Shards} shards");
                var expected = org.Items.Select(i => (org.Place(i.Key, org.Shards), i.Key, i.Value)).OrderBy(t => t).ToList();
                Assert.True(expected.SequenceEqual(raw.OrderBy(t => t)), $"{where}: {org.Id} holds [{string.Join(", ", raw.OrderBy(t => t))}], the model [{string.Join(", ", expected)}]");
            }

            foreach (var (name, client, keys, denied) in current.Contains(org) ? org.Sessions : [])
            {
                foreach (var key in new[] { keys[0], keys[^1] }.Distinct())
                {
                    var observed = await TenantSessions.GetItemAsync(client, key, "app-00");
                    Assert.True(observed == (denied ? "AccessDeniedException" : TenantSessions.Allowed), $"{where}: {org.Id}'s session '{name}' got {observed} on {key}, expected {(denied ? "AccessDenied" : "allowed")}");
                }
            }
        }
    }

    private static async Task PutAsync(IAmazonDynamoDB admin, Org org, int item, int version)
    {
        var id = Id(item);
        var name = string.Create(CultureInfo.InvariantCulture, $"{org.Id} {id} v{version}");
        await ReshardTests.Table(admin, org.Id, org.Shards).PutItemAsync(new() { ["applicationId"] = new(id), ["name"] = new(name) });
        org.Items[id] = name;
        org.Version++;
    }

    private static string Id(int item) => string.Create(CultureInfo.InvariantCulture, $"app-{item:00}");

    private static IReadOnlyList<string> Keys(Org org) => TenantShards.PartitionKeys(org.Id, org.Shards);

    private static Dictionary<string, AttributeValue> Item(string partition, string id, string name)
        => new() { ["organizationId"] = new(partition), ["applicationId"] = new(id), ["name"] = new(name) };

    /// <summary>The organization a partition key belongs to: the key up to '#' (outside the organization id alphabet).</summary>
    private static string Owner(string partition) => partition.Split('#')[0];

    /// <summary>Every item of the table (one consistent Scan): (partition key, applicationId, name).</summary>
    private async Task<List<(string Partition, string Id, string Name)>> ScanAsync()
    {
        using var admin = migration.Admin();
        var all = new List<(string, string, string)>();
        var request = new ScanRequest { TableName = "Applications", ConsistentRead = true };
        do
        {
            var page = await admin.ScanAsync(request);
            foreach (var item in page.Items ?? [])
            {
                Assert.Equal(3, item.Count); // nothing but the key and the name: the hash below is over exactly these
                all.Add((item["organizationId"].S, item["applicationId"].S, item["name"].S));
            }

            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);
        return all;
    }

    /// <summary>The items of an export's Applications.jsonl (none when there is no such export).</summary>
    private static async Task<List<(string Partition, string Id, string Name)>> ReadExportAsync(string directory)
    {
        var path = Path.Combine(directory, "Applications.jsonl");
        if (!File.Exists(Path.Combine(directory, "manifest.json")) || !File.Exists(path))
        {
            return [];
        }

        var items = new List<(string, string, string)>();
        foreach (var line in await File.ReadAllLinesAsync(path))
        {
            using var document = JsonDocument.Parse(line);
            var item = document.RootElement.GetProperty("Item");
            items.Add((item.GetProperty("organizationId").GetProperty("S").GetString()!, item.GetProperty("applicationId").GetProperty("S").GetString()!, item.GetProperty("name").GetProperty("S").GetString()!));
        }

        return items;
    }
}
