using System.Globalization;
using Amazon.DynamoDBv2.Model;
using CsCheck;
using Gateway.Backend.DynamoDb;
using Gateway.Migration.Resharding;
using Gateway.Migration.Sharding;
using Xunit.Abstractions;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>
/// Model-based test of <c>reshard</c> (in-process verb, real SDK, LocalAws, fake clock): random sequences of writes and
/// deletes of X's items through <see cref="TenantTable"/> with X's current shard count, writes of two neighbours whose ids
/// start like X's (one unsharded, one with 4 shards), reshards of X to 1, 2, 4 or 8 shards — some crashed at a random
/// step (<see cref="ReshardCommand.Steps"/>, a copy or delete batch included) — and resumes (the same command again).
/// While X is MIGRATING the model refuses its writes, as the gateway does (503). Invariant after every step: the
/// neighbours hold exactly what was written (raw, every key); when X is ACTIVE every item written and not deleted is
/// read exactly once, with its content, through TenantTable with X's current shard count (Query and GetItem) and nothing
/// else is in any of X's keys; when X is MIGRATING (a crashed reshard) every such item is in X's keys with its content
/// where the old or the new count places it. Seed printed (RESHARD_MODEL_SEED, RESHARD_MODEL_SEQUENCES to vary).
/// </summary>
public sealed class ReshardModelTests(InProcessMigration migration, ITestOutputHelper output) : IClassFixture<InProcessMigration>
{
    private const ulong DefaultSeed = 23_2023;
    private const int DefaultSequences = 6;
    private static readonly int[] Counts = [1, 2, 4, 8];

    private abstract record Step;

    private sealed record WriteStep(bool Neighbour, int Which, int Item, int Version) : Step;

    private sealed record DeleteStep(int Item) : Step;

    /// <summary>Crash: null = none; else the step name and its occurrence (copy and delete batches come several times).</summary>
    private sealed record ReshardStep(int Shards, string? CrashAt, int Occurrence) : Step;

    private sealed record ResumeStep : Step;

    private static readonly string[] CrashPoints =
        [ReshardCommand.Steps.Migrating, ReshardCommand.Steps.Drained, ReshardCommand.Steps.CopyBatch, ReshardCommand.Steps.Validated,
         ReshardCommand.Steps.Flipped, ReshardCommand.Steps.DeleteBatch, ReshardCommand.Steps.Deleted];

    private static readonly Gen<Step> AnyStep = Gen.Frequency(
        (4, Gen.Select(Gen.Bool, Gen.Int[0, 1], Gen.Int[0, 39], Gen.Int[0, 3], (n, w, i, v) => (Step)new WriteStep(n, w, i, v))),
        (2, Gen.Int[0, 39].Select(i => (Step)new DeleteStep(i))),
        (4, Gen.Select(Gen.Int[0, 3], Gen.Int[-3, CrashPoints.Length - 1], Gen.Int[1, 2], (s, c, o) => (Step)new ReshardStep(Counts[s], c < 0 ? null : CrashPoints[c], o))),
        (2, Gen.Const<Step>(new ResumeStep())));

    private static readonly Gen<Step[]> Sequence = AnyStep.Array[8, 14];

    [Fact]
    public async Task RandomSequences_EveryLiveItemReadableExactlyOnce_NeighboursUntouched()
    {
        var seed = Environment.GetEnvironmentVariable("RESHARD_MODEL_SEED") is { Length: > 0 } s ? ulong.Parse(s, CultureInfo.InvariantCulture) : DefaultSeed;
        var sequences = Environment.GetEnvironmentVariable("RESHARD_MODEL_SEQUENCES") is { Length: > 0 } n ? int.Parse(n, CultureInfo.InvariantCulture) : DefaultSequences;
        output.WriteLine($"reshard model seed {seed}, {sequences} sequences (RESHARD_MODEL_SEED={seed} to repeat)");
        var started = DateTime.UtcNow;
        var totals = new Totals();
        for (var i = 0; i < sequences; i++)
        {
            var sequence = Sequence.Generate(new PCG(23, seed + (ulong)i), null, out _);
            await RunSequenceAsync(seed, i, sequence, totals);
        }

        output.WriteLine($"{sequences} sequences, {totals.Steps} steps: {totals.Reshards} reshards completed, {totals.Crashes} crashed, {totals.Resumes} resumed, {totals.Refused} writes refused while MIGRATING, in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        Assert.True(totals.Reshards > 0 && totals.Crashes > 0 && totals.Resumes > 0, "the sequences must complete, crash and resume reshards");
    }

    private sealed class Totals
    {
        public int Steps { get; set; }

        public int Reshards { get; set; }

        public int Crashes { get; set; }

        public int Resumes { get; set; }

        public int Refused { get; set; }
    }

    private sealed class CrashException : Exception
    {
    }

    private async Task RunSequenceAsync(ulong seed, int index, Step[] sequence, Totals totals)
    {
        var x = string.Create(CultureInfo.InvariantCulture, $"rm{seed}-{index}");
        var organizations = new[] { (Id: x, Shards: 1), (Id: x + "-2", Shards: 1), (Id: x + "x", Shards: 4) };
        var model = organizations.ToDictionary(o => o.Id, _ => new Dictionary<string, string>(StringComparer.Ordinal), StringComparer.Ordinal);
        using (var admin = migration.Admin())
        {
            foreach (var (id, shards) in organizations)
            {
                var record = new Dictionary<string, AttributeValue> { ["organizationId"] = new(id), ["status"] = new("ACTIVE") };
                if (shards > 1)
                {
                    record["shards"] = new AttributeValue { N = shards.ToString(CultureInfo.InvariantCulture) };
                }

                await admin.PutItemAsync(new PutItemRequest { TableName = "Organizations", Item = record });
                for (var item = 0; item < 30; item++)
                {
                    await PutAsync(id, shards, item, 0, model);
                }
            }
        }

        int? pending = null; // the target of a crashed reshard
        var step = 0;
        foreach (var s in sequence)
        {
            step++;
            totals.Steps++;
            var where = $"seed {seed} sequence {index} step {step} ({s}) of [{string.Join(", ", sequence.Select(q => q.ToString()))}]";
            var (status, current) = await StateAsync(x);
            switch (s)
            {
                case WriteStep { Neighbour: true } write:
                    var neighbour = organizations[1 + write.Which];
                    await PutAsync(neighbour.Id, neighbour.Shards, write.Item, write.Version, model);
                    break;

                case WriteStep write when status == "ACTIVE":
                    await PutAsync(x, current, write.Item, write.Version, model);
                    break;

                case DeleteStep delete when status == "ACTIVE":
                {
                    using var admin = migration.Admin();
                    var id = Id(delete.Item);
                    Assert.Equal(model[x].Remove(id), await ReshardTests.Table(admin, x, current).DeleteItemAsync("applicationId", new AttributeValue(id)));
                    break;
                }

                case WriteStep or DeleteStep:
                    totals.Refused++; // MIGRATING: the gateway answers 503, nothing reaches the table
                    break;

                case ReshardStep reshard:
                {
                    var occurrences = 0;
                    Task Crash(string name)
                        => name == reshard.CrashAt && ++occurrences == reshard.Occurrence ? throw new CrashException() : Task.CompletedTask;
                    if (pending is not null && pending != reshard.Shards)
                    {
                        // Another count while a reshard is under way: one line, refused (exit 2 through the CLI), nothing changed.
                        var expected = $"reshard: a reshard of '{x}' from {await FromAsync(x)} to {pending} shards is under way (status MIGRATING); re-run with --shards {pending} to finish it";
                        var refused = await Assert.ThrowsAsync<Invocation.UsageException>(() => migration.ReshardAsync(x, reshard.Shards.ToString(CultureInfo.InvariantCulture), Crash));
                        Assert.True(expected == refused.Message, where + "\n" + refused.Message);
                        break;
                    }

                    try
                    {
                        var run = await migration.ReshardAsync(x, reshard.Shards.ToString(CultureInfo.InvariantCulture), Crash);
                        Assert.True(run.ExitCode == 0, where + "\n" + run);
                        totals.Reshards += current != reshard.Shards || pending is not null ? 1 : 0;
                        totals.Resumes += pending is not null ? 1 : 0;
                        pending = null;
                    }
                    catch (CrashException)
                    {
                        pending = reshard.Shards;
                        totals.Crashes++;
                    }

                    break;
                }

                case ResumeStep when pending is not null:
                {
                    var run = await migration.ReshardAsync(x, pending.Value.ToString(CultureInfo.InvariantCulture));
                    Assert.True(run.ExitCode == 0, where + "\n" + run);
                    Assert.Contains($"reshard: resuming the reshard of {x} ", run.StandardOutput, StringComparison.Ordinal);
                    pending = null;
                    totals.Resumes++;
                    break;
                }

                case ResumeStep:
                    break;
            }

            await CheckAsync(x, organizations, model, where);
        }

        if (pending is not null)
        {
            var run = await migration.ReshardAsync(x, pending.Value.ToString(CultureInfo.InvariantCulture));
            Assert.True(run.ExitCode == 0, $"seed {seed} sequence {index}: the final resume\n{run}");
            totals.Resumes++;
            await CheckAsync(x, organizations, model, $"seed {seed} sequence {index}: after the final resume");
        }
    }

    private async Task CheckAsync(string x, (string Id, int Shards)[] organizations, Dictionary<string, Dictionary<string, string>> model, string where)
    {
        foreach (var (id, shards) in organizations.Skip(1))
        {
            var raw = await RawAsync(id);
            var expected = model[id].ToDictionary(i => (TenantShards.PartitionKey(id, TenantShards.ShardOf(new AttributeValue(i.Key), shards), shards), i.Key), i => i.Value);
            Assert.True(raw.Count == expected.Count && raw.All(r => expected.TryGetValue(r.Key, out var v) && v == r.Value), $"{where}: neighbour {id} changed");
        }

        var (status, current) = await StateAsync(x);
        using var admin = migration.Admin();
        if (status == "ACTIVE")
        {
            var table = ReshardTests.Table(admin, x, current);
            var read = await table.QueryAsync();
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var item in read)
            {
                Assert.True(seen.TryAdd(item["applicationId"].S, item["name"].S), $"{where}: {item["applicationId"].S} read twice with {current} shards");
                Assert.Equal(x, item["organizationId"].S);
            }

            Assert.True(seen.Count == model[x].Count && seen.All(i => model[x].TryGetValue(i.Key, out var v) && v == i.Value),
                $"{where}: X read with {current} shards [{string.Join(", ", seen.OrderBy(i => i.Key).Select(i => i.Key + "=" + i.Value))}], the model [{string.Join(", ", model[x].OrderBy(i => i.Key).Select(i => i.Key + "=" + i.Value))}]");
            foreach (var (id, name) in model[x])
            {
                var item = await table.GetItemAsync("applicationId", new AttributeValue(id), consistentRead: true);
                Assert.True(item?["name"].S == name, $"{where}: GetItem {id} with {current} shards");
            }

            Assert.Equal(model[x].Count, (await RawAsync(x)).Count); // nothing else in any of X's keys
        }
        else
        {
            Assert.Equal("MIGRATING", status);
            var from = await FromAsync(x);
            var raw = await RawAsync(x);
            foreach (var (id, name) in model[x])
            {
                var places = new[] { from, current }.Select(n => TenantShards.PartitionKey(x, TenantShards.ShardOf(new AttributeValue(id), n), n));
                Assert.True(places.Any(p => raw.TryGetValue((p, id), out var v) && v == name), $"{where}: {id} ({name}) is lost while X is MIGRATING");
            }
        }
    }

    private async Task PutAsync(string organization, int shards, int item, int version, Dictionary<string, Dictionary<string, string>> model)
    {
        var id = Id(item);
        var name = string.Create(CultureInfo.InvariantCulture, $"{organization} {id} v{version}");
        using var admin = migration.Admin();
        await ReshardTests.Table(admin, organization, shards).PutItemAsync(new() { ["applicationId"] = new(id), ["name"] = new(name) });
        model[organization][id] = name;
    }

    private static string Id(int item) => string.Create(CultureInfo.InvariantCulture, $"app-{item:00}");

    private async Task<(string Status, int Shards)> StateAsync(string organization)
    {
        using var admin = migration.Admin();
        var item = (await admin.GetItemAsync(new GetItemRequest { TableName = "Organizations", Key = new() { ["organizationId"] = new(organization) }, ConsistentRead = true })).Item;
        return (item["status"].S, item.TryGetValue("shards", out var n) ? int.Parse(n.N, CultureInfo.InvariantCulture) : 1);
    }

    private async Task<int> FromAsync(string organization)
    {
        using var admin = migration.Admin();
        var item = (await admin.GetItemAsync(new GetItemRequest { TableName = "Organizations", Key = new() { ["organizationId"] = new(organization) }, ConsistentRead = true })).Item;
        return int.Parse(item[ShardState.FromAttribute].N, CultureInfo.InvariantCulture);
    }

    /// <summary>Every item in any key the organization can have with 1, 2, 4 or 8 shards, by (partition, applicationId).</summary>
    private async Task<Dictionary<(string Partition, string Id), string>> RawAsync(string organization)
    {
        using var admin = migration.Admin();
        var all = new Dictionary<(string Partition, string Id), string>();
        foreach (var key in TenantShards.PartitionKeys(organization, 8).Prepend(organization))
        {
            var response = await admin.QueryAsync(new QueryRequest
            {
                TableName = "Applications",
                KeyConditionExpression = "organizationId = :o",
                ExpressionAttributeValues = new() { [":o"] = new(key) },
                ConsistentRead = true,
            });
            foreach (var item in response.Items)
            {
                all[(key, item["applicationId"].S)] = item["name"].S;
            }
        }

        return all;
    }
}
