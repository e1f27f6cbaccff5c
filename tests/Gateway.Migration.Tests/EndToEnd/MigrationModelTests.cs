using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2.Model;
using CsCheck;
using Xunit.Abstractions;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>
/// Model-based test of the migration (STYLE.md "sequences, not only calls"): random sequences of the documented verbs —
/// plan, copy, validate, cutover (optionally with a legacy write inside its wait window), rollback, cleanup (report or
/// --delete) — with user writes and deletes in between, each made in the table the gateway serves the organization from
/// (its <c>dataLocation</c> in Organizations: PARTITIONED → the partitioned table, as a backend on an isolated route
/// writes; otherwise the legacy table, as the legacy backend writes; nothing while MIGRATING, the gateway answers 503).
/// Invariant after every step: every item ever written and not deleted by a user exists in the table the gateway serves
/// for its organization; no verb ends in an AWS/I-O failure (exit 3) and a refusal is one line.
/// The sequences come from CsCheck generators on a fixed seed (MIGRATION_MODEL_SEED to repeat or vary it,
/// MIGRATION_MODEL_SEQUENCES for more than the CI default); the seed is printed.
/// Limits: writes go straight to the table the routing rule selects (with the operator's identity), not through gateway
/// processes; the routing itself is covered by <see cref="CutoverTests"/>.
/// </summary>
public sealed class MigrationModelTests(InProcessMigration migration, ITestOutputHelper output) : IClassFixture<InProcessMigration>
{
    private const ulong DefaultSeed = 20_2020;
    private const int DefaultSequences = 16;

    private abstract record Step;

    private sealed record PlanStep : Step;

    private sealed record CopyStep : Step;

    private sealed record ValidateStep : Step;

    private sealed record CutoverStep(int Organization, bool WriteDuringWait) : Step;

    private sealed record RollbackStep(int Organization) : Step;

    private sealed record CleanupStep(bool Delete) : Step;

    private sealed record WriteStep(int Organization, int Item) : Step;

    private sealed record DeleteStep(int Organization, int Pick) : Step;

    private static readonly Gen<Step> AnyStep = Gen.Frequency(
        (1, Gen.Const<Step>(new PlanStep())),
        (3, Gen.Const<Step>(new CopyStep())),
        (3, Gen.Const<Step>(new ValidateStep())),
        (4, Gen.Select(Gen.Int[0, 1], Gen.Bool, (o, w) => (Step)new CutoverStep(o, w))),
        (2, Gen.Int[0, 1].Select(o => (Step)new RollbackStep(o))),
        (3, Gen.Int[0, 3].Select(d => (Step)new CleanupStep(d > 0))),
        (3, Gen.Select(Gen.Int[0, 1], Gen.Int[0, 4], (o, i) => (Step)new WriteStep(o, i))),
        (1, Gen.Select(Gen.Int[0, 1], Gen.Int[0, 20], (o, p) => (Step)new DeleteStep(o, p))));

    /// <summary>A plan first (every other verb needs one), then 5–11 random steps.</summary>
    private static readonly Gen<Step[]> Sequence = AnyStep.Array[5, 11].Select(steps => (Step[])[new PlanStep(), .. steps]);

    [Fact]
    public async Task RandomCommandSequences_EveryItemWrittenAndNotDeletedIsServed()
    {
        var seed = Environment.GetEnvironmentVariable("MIGRATION_MODEL_SEED") is { Length: > 0 } s ? ulong.Parse(s, CultureInfo.InvariantCulture) : DefaultSeed;
        var sequences = Environment.GetEnvironmentVariable("MIGRATION_MODEL_SEQUENCES") is { Length: > 0 } n ? int.Parse(n, CultureInfo.InvariantCulture) : DefaultSequences;
        output.WriteLine($"model seed {seed}, {sequences} sequences (MIGRATION_MODEL_SEED={seed} to repeat)");
        var started = DateTime.UtcNow;
        var steps = 0;
        for (var i = 0; i < sequences; i++)
        {
            var sequence = Sequence.Generate(new PCG(1, seed + (ulong)i), null, out _);
            steps += sequence.Length;
            await RunSequenceAsync(seed, i, sequence);
        }

        output.WriteLine($"{sequences} sequences, {steps} steps in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
    }

    private async Task RunSequenceAsync(ulong seed, int index, Step[] sequence)
    {
        var table = string.Create(CultureInfo.InvariantCulture, $"Model{seed}x{index}");
        string[] organizations = [$"m{seed}-{index}-a", $"m{seed}-{index}-b"];
        await migration.CreateLegacyAsync(table, organizations, 3);
        var expected = organizations.ToDictionary(o => o, o => Enumerable.Range(0, 3).ToDictionary(n => $"{o}-app-{n}", _ => "v0"), StringComparer.Ordinal);
        var plan = Path.Combine(migration.Work, table + ".json");
        var log = new StringBuilder();
        for (var n = 0; n < sequence.Length; n++)
        {
            var step = sequence[n];
            var outcome = await ApplyAsync(step, n, table, organizations, plan, expected);
            log.AppendLine(CultureInfo.InvariantCulture, $"  {n}: {step} → {outcome}");
            foreach (var organization in organizations)
            {
                var (status, location) = await migration.ReadOrganizationAsync(organization);
                var served = location == "PARTITIONED" ? await migration.TargetAsync(organization) : await migration.LegacyAsync(table, organization);
                var lost = expected[organization].Keys.Where(k => !served.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
                Assert.True(lost.Count == 0,
                    $"seed {seed} sequence {index}: after step {n} ({step}) {organization} ({status}, {location ?? "legacy"}) is served without {string.Join(", ", lost)}\n{log}");
            }
        }

        output.WriteLine($"sequence {index}:\n{log}");
    }

    private async Task<string> ApplyAsync(Step step, int n, string table, string[] organizations, string plan, Dictionary<string, Dictionary<string, string>> expected)
    {
        InProcessMigration.Run run;
        switch (step)
        {
            case PlanStep:
                run = await migration.RunAsync(["plan", "--source", table, "--target", "Applications", "--organization-attribute", "orgId", "--plan", plan]);
                break;
            case CopyStep:
                run = await migration.RunAsync(["copy", "--all", "--checkpoint", string.Create(CultureInfo.InvariantCulture, $"{plan}.{n}.checkpoint"), "--plan", plan]);
                break;
            case ValidateStep:
                run = await migration.RunAsync(["validate", "--report", string.Create(CultureInfo.InvariantCulture, $"{plan}.{n}.report"), "--plan", plan]);
                break;
            case CutoverStep c:
                var organization = organizations[c.Organization];
                Func<Task>? window = c.WriteDuringWait
                    ? async () =>
                    {
                        // A request the gateway routed to legacy just before it saw MIGRATING, still writing.
                        if ((await migration.ReadOrganizationAsync(organization)).Status == "MIGRATING")
                        {
                            var id = string.Create(CultureInfo.InvariantCulture, $"{organization}-window-{n}");
                            await PutAsync(table, organization, id, "window", partitioned: false);
                            expected[organization][id] = "window";
                        }
                    }
                    : null;
                run = await migration.RunAsync(["cutover", "--organization", organization, "--drain", "1", "--plan", plan], window, organization);
                break;
            case RollbackStep r:
                run = await migration.RunAsync(["rollback", "--organization", organizations[r.Organization], "--drain", "1", "--plan", plan]);
                break;
            case CleanupStep d:
                run = await migration.RunAsync(d.Delete ? ["cleanup", "--source", table, "--delete", "--plan", plan] : ["cleanup", "--source", table, "--plan", plan]);
                break;
            case WriteStep w:
                return await UserWriteAsync(table, organizations[w.Organization], string.Create(CultureInfo.InvariantCulture, $"{organizations[w.Organization]}-app-{w.Item}"), $"s{n}", expected);
            case DeleteStep x:
                return await UserDeleteAsync(table, organizations[x.Organization], x.Pick, expected);
            default:
                throw new InvalidOperationException(step.ToString());
        }

        Assert.True(run.ExitCode is 0 or 1 or 2, $"{step}: {run}");
        if (run.ExitCode != 0)
        {
            Assert.True(run.StandardError.TrimEnd().Split('\n').Length == 1, $"{step}: a refusal is one line: {run}");
        }

        return string.Create(CultureInfo.InvariantCulture, $"exit {run.ExitCode} {run.StandardError.Trim()}");
    }

    private async Task<string> UserWriteAsync(string table, string organization, string id, string name, Dictionary<string, Dictionary<string, string>> expected)
    {
        var (status, location) = await migration.ReadOrganizationAsync(organization);
        if (status != "ACTIVE")
        {
            return $"refused by the gateway ({status})";
        }

        var partitioned = location == "PARTITIONED";
        await PutAsync(table, organization, id, name, partitioned);
        expected[organization][id] = name;
        return partitioned ? "written through the isolated route" : "written through the legacy route";
    }

    private async Task<string> UserDeleteAsync(string table, string organization, int pick, Dictionary<string, Dictionary<string, string>> expected)
    {
        var (status, location) = await migration.ReadOrganizationAsync(organization);
        if (status != "ACTIVE" || expected[organization].Count == 0)
        {
            return $"nothing deleted ({status})";
        }

        var id = expected[organization].Keys.Order(StringComparer.Ordinal).ElementAt(pick % expected[organization].Count);
        using var admin = migration.Admin();
        if (location == "PARTITIONED")
        {
            await admin.DeleteItemAsync(new DeleteItemRequest { TableName = "Applications", Key = new() { ["organizationId"] = new(organization), ["applicationId"] = new(id) } });
        }
        else
        {
            await admin.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = new() { ["applicationId"] = new(id) } });
        }

        expected[organization].Remove(id);
        return $"deleted {id}";
    }

    private async Task PutAsync(string table, string organization, string id, string name, bool partitioned)
    {
        using var admin = migration.Admin();
        await admin.PutItemAsync(partitioned
            ? new PutItemRequest { TableName = "Applications", Item = InProcessMigration.TargetItem(organization, id, name) }
            : new PutItemRequest { TableName = table, Item = InProcessMigration.LegacyItem(organization, id, name) });
    }
}
