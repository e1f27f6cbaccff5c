using System.Globalization;
using Amazon.DynamoDBv2.Model;
using CsCheck;
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

    private async Task<(int Erased, int Refused)> RunSequenceAsync(ulong seed, int index, Step[] sequence)
    {
        var x = string.Create(CultureInfo.InvariantCulture, $"om{seed}-{index}");
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
}
