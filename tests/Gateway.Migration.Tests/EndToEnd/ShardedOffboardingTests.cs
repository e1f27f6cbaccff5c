using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>
/// <c>export</c> and <c>erase</c> of a sharded organization (issue 23) in-process against LocalAws: the export reads every
/// shard key of the organization's current count (each item exactly once), the erase leaves nothing in any key the
/// organization can have, and neighbours whose ids start like it (one unsharded, one sharded) keep every item.
/// </summary>
public sealed class ShardedOffboardingTests(InProcessMigration migration) : IClassFixture<InProcessMigration>
{
    [Fact]
    public async Task ExportAndErase_ShardedOrganization_EveryShardExactlyOnce_NeighboursUntouched()
    {
        var x = "so-" + Guid.NewGuid().ToString("N")[..6];
        await CreateAsync(x, 4, 40);
        await CreateAsync(x + "-2", 1, 5);
        await CreateAsync(x + "x", 2, 5);
        var neighbours = new[] { await migration.RawShardsAsync(x + "-2"), await migration.RawShardsAsync(x + "x") };
        Assert.Equal(4, (await migration.RawShardsAsync(x)).Select(i => i.Key.Partition).Distinct().Count());
        await migration.SetStatusAsync(x, "SUSPENDED");
        var directory = Path.Combine(migration.Work, x + "-export");

        var export = await migration.RunAsync(["export", "--organization", x, "--out", directory]);

        Assert.True(export.ExitCode == 0, export.ToString());
        var lines = await File.ReadAllLinesAsync(Path.Combine(directory, "Applications.jsonl"));
        var ids = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("Item").GetProperty("applicationId").GetProperty("S").GetString()!).ToList();
        Assert.Equal(40, ids.Count);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => string.Create(CultureInfo.InvariantCulture, $"app-{i}")).Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "manifest.json")));
        var table = manifest.RootElement.GetProperty("tables")[0];
        Assert.Equal(40, table.GetProperty("items").GetInt64());
        Assert.Equal([x + "#0", x + "#1", x + "#2", x + "#3"], table.GetProperty("partitions").EnumerateArray().Select(p => p.GetString()));

        var erase = await migration.RunAsync(["erase", "--organization", x, "--confirm", x, "--export", directory]);

        Assert.True(erase.ExitCode == 0, erase.ToString());
        Assert.Contains($"erase: {x}: deleted 40 items", erase.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(await migration.RawShardsAsync(x)); // no key of X — unsharded or any of 64 shards — holds anything
        Assert.Equal(neighbours[0], await migration.RawShardsAsync(x + "-2"));
        Assert.Equal(neighbours[1], await migration.RawShardsAsync(x + "x"));
    }

    [Fact]
    public async Task Export_WhileAReshardIsUnderWay_Exit2OneLine_AfterItExportsEveryItem()
    {
        var x = "sr-" + Guid.NewGuid().ToString("N")[..6];
        await CreateAsync(x, 1, 30);
        await Assert.ThrowsAsync<ReshardTests.SimulatedCrashException>(() => migration.ReshardAsync(x, "8", s => s == "validated" ? throw new ReshardTests.SimulatedCrashException() : Task.CompletedTask));

        var during = await migration.RunAsync(["export", "--organization", x, "--out", Path.Combine(migration.Work, x + "-during")]);
        var finished = await migration.ReshardAsync(x, "8");
        var after = await migration.RunAsync(["export", "--organization", x, "--out", Path.Combine(migration.Work, x + "-after")]);

        Assert.Equal(2, during.ExitCode);
        Assert.Equal($"export: organization '{x}' is being resharded from 1 to 8 shards (MIGRATING); finish it first: reshard --organization {x} --shards 8", during.StandardError.Trim());
        Assert.False(Directory.Exists(Path.Combine(migration.Work, x + "-during")));
        Assert.True(finished.ExitCode == 0, finished.ToString());
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal(30, (await File.ReadAllLinesAsync(Path.Combine(migration.Work, x + "-after", "Applications.jsonl"))).Length);
    }

    [Fact]
    public async Task Export_InterruptedThenResharded_ResumeRefusedExit2NothingWritten_UnreshardedTwinResumesExactly()
    {
        // An export ended part way (an AWS failure: exit 3) records how far it read X's keys. Resharded since, a re-run into
        // the same directory would continue at that position in other keys (was: exit 3 here, the saved key not of the new keys, every re-run alike; and from 8 shards back to 1, exit 0 with a manifest missing the remaining shards' items).
        var x = "se-" + Guid.NewGuid().ToString("N")[..6];
        await CreateAsync(x, 1, 30);
        var interrupted = Path.Combine(migration.Work, x + "-interrupted");
        var twin = Path.Combine(migration.Work, x + "-twin");
        foreach (var directory in new[] { interrupted, twin })
        {
            var failing = migration.AdminFailingAfter(2);
            var first = await migration.RunAsync(["export", "--organization", x, "--out", directory, "--page-size", "4"], dynamoDb: () => failing);
            Assert.True(first.ExitCode == 3 && failing.Failed, first.ToString());
        }

        var written = await File.ReadAllBytesAsync(Path.Combine(interrupted, "Applications.jsonl"));
        Assert.Equal(8, written.Count(b => b == (byte)'\n')); // two pages of 4

        Assert.True((await migration.ReshardAsync(x, "4")).ExitCode == 0);
        var resumed = await migration.RunAsync(["export", "--organization", x, "--out", interrupted, "--page-size", "4"]);

        Assert.Equal(2, resumed.ExitCode);
        Assert.Equal($"export: checkpoint '{Path.Combine(interrupted, "export.checkpoint.json")}' is of an interrupted export of {x} that read Applications at the key {x}; its keys are the 4 keys {x}#0 … {x}#3 now (resharded since): continuing would skip or repeat items; export into a new directory", resumed.StandardError.Trim());
        Assert.False(File.Exists(Path.Combine(interrupted, "manifest.json")));
        Assert.Equal(written, await File.ReadAllBytesAsync(Path.Combine(interrupted, "Applications.jsonl")));

        // The allow twin: back on the keys it was reading, the same kind of re-run continues and exports every item once.
        Assert.True((await migration.ReshardAsync(x, "1")).ExitCode == 0);
        var continued = await migration.RunAsync(["export", "--organization", x, "--out", twin, "--page-size", "4"]);
        Assert.True(continued.ExitCode == 0, continued.ToString());
        var ids = (await File.ReadAllLinesAsync(Path.Combine(twin, "Applications.jsonl"))).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("Item").GetProperty("applicationId").GetProperty("S").GetString()!).ToList();
        Assert.Equal(Enumerable.Range(0, 30).Select(i => string.Create(CultureInfo.InvariantCulture, $"app-{i}")).Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
    }

    private async Task CreateAsync(string organization, int shards, int items)
    {
        using var admin = migration.Admin();
        var record = new Dictionary<string, AttributeValue> { ["organizationId"] = new(organization), ["status"] = new("ACTIVE") };
        if (shards > 1)
        {
            record["shards"] = new AttributeValue { N = shards.ToString(CultureInfo.InvariantCulture) };
        }

        await admin.PutItemAsync(new PutItemRequest { TableName = "Organizations", Item = record });
        var table = ReshardTests.Table(admin, organization, shards);
        for (var i = 0; i < items; i++)
        {
            await table.PutItemAsync(new() { ["applicationId"] = new(string.Create(CultureInfo.InvariantCulture, $"app-{i}")), ["name"] = new(string.Create(CultureInfo.InvariantCulture, $"{organization} app {i}")) });
        }
    }
}
