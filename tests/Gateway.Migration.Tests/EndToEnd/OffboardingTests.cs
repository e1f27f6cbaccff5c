using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Migration.Items;
using Gateway.Migration.Validation;
using Gateway.Testing;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>
/// <c>export</c> and <c>erase</c> (issue 24 items 4–5) as processes against LocalAws with the real SDK: an organization
/// X next to neighbours whose ids start with X (<c>X-2</c>, <c>Xcorp</c>) and share a user with it; X is exported and
/// erased, the neighbours' counts and content hashes never change. Every refusal (ACTIVE, no or wrong --confirm, stale
/// export, no export) has its allow twin; export and erase killed as processes half way resume to the same result.
/// Every test uses its own organization ids.
/// </summary>
public sealed class OffboardingTests(OffboardingTests.Fixture fixture) : IClassFixture<OffboardingTests.Fixture>
{
    private const string Table = "Applications";
    private const string Memberships = "OrganizationUsers";

    private MigrationRunner _migration => fixture.Migration;

    private string _work => fixture.Work;

    public sealed class Fixture : IAsyncLifetime
    {
        public LocalAwsHost Aws { get; private set; } = null!;

        public string Work { get; } = Directory.CreateTempSubdirectory("offboarding-").FullName;

        public MigrationRunner Migration { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Aws = await LocalAwsHost.StartAsync(new LocalAwsHostOptions { Seed = false });
            Migration = new MigrationRunner(Aws, Work);
        }

        public async Task DisposeAsync()
        {
            await Aws.DisposeAsync();
            Directory.Delete(Work, recursive: true);
        }

        public AmazonDynamoDBClient Admin() => Aws.CreateDynamoDbClient(Aws.AdminCredentials, c => c.MaxErrorRetry = 3);
    }

    /// <summary>An item with every attribute type, so the DynamoDB JSON round trip is tested on all of them.</summary>
    public static Dictionary<string, AttributeValue> Item(string organization, int n, string version = "v0") => new()
    {
        ["organizationId"] = new(organization),
        ["applicationId"] = new(string.Create(CultureInfo.InvariantCulture, $"app-{n:D5}")),
        ["name"] = new($"App \"{n}\" of {organization} {version}"),
        ["seats"] = new AttributeValue { N = string.Create(CultureInfo.InvariantCulture, $"{n}.50") },
        ["tags"] = new AttributeValue { SS = ["b", "a"] },
        ["scores"] = new AttributeValue { NS = ["1", "2.5"] },
        ["blob"] = new AttributeValue { B = new MemoryStream([1, 2, (byte)(n % 256)]) },
        ["settings"] = new AttributeValue { M = new() { ["on"] = new AttributeValue { BOOL = n % 2 == 0 }, ["none"] = new AttributeValue { NULL = true }, ["list"] = new AttributeValue { L = [new("x"), new AttributeValue { N = "3" }] } } },
    };

    /// <summary>X and its neighbours X-2 and Xcorp (status as given for X, ACTIVE for them), <paramref name="items"/> items each, and membership rows: u1 in X only, u2 in X and X-2, u3 in Xcorp.</summary>
    private async Task<string[]> SeedAsync(string x, int items, string status = "SUSPENDED")
    {
        string[] neighbours = [x + "-2", x + "corp"];
        using var admin = fixture.Admin();
        await PutOrganizationAsync(admin, x, status);
        foreach (var neighbour in neighbours)
        {
            await PutOrganizationAsync(admin, neighbour, "ACTIVE");
        }

        var writes = new List<WriteRequest>();
        foreach (var organization in neighbours.Prepend(x))
        {
            writes.AddRange(Enumerable.Range(0, items).Select(n => new WriteRequest { PutRequest = new PutRequest { Item = Item(organization, n) } }));
        }

        await Parallel.ForEachAsync(writes.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (batch, ct) =>
        {
            var pending = batch.ToList();
            while (pending.Count > 0)
            {
                var response = await admin.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = new() { [Table] = pending } }, ct);
                pending = response.UnprocessedItems is { } u && u.TryGetValue(Table, out var left) ? left : [];
            }
        });
        foreach (var (user, organization, role) in new[] { ("u1", x, "ADMINISTRATOR"), ("u2", x, "MEMBER"), ("u2", neighbours[0], "VIEWER"), ("u3", neighbours[1], "MEMBER") })
        {
            await admin.PutItemAsync(new PutItemRequest { TableName = Memberships, Item = new() { ["userId"] = new($"{x}-{user}"), ["organizationId"] = new(organization), ["role"] = new(role) } });
        }

        return neighbours;
    }

    private static async Task PutOrganizationAsync(AmazonDynamoDBClient admin, string organization, string status)
        => await admin.PutItemAsync(new PutItemRequest { TableName = "Organizations", Item = new() { ["organizationId"] = new(organization), ["name"] = new(organization), ["status"] = new(status) } });

    private async Task SetStatusAsync(string organization, string status)
    {
        using var admin = fixture.Admin();
        await PutOrganizationAsync(admin, organization, status);
    }

    /// <summary>Count and content hash of an organization's Applications items (the admin's own Query) and its membership rows (a Scan).</summary>
    private async Task<(long Items, string Hash, long Members)> StateAsync(string organization)
    {
        using var admin = fixture.Admin();
        var digest = new OrganizationDigest(keepItems: false);
        var request = new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "organizationId = :o",
            ExpressionAttributeValues = new() { [":o"] = new(organization) },
            ConsistentRead = true,
        };
        do
        {
            var page = await admin.QueryAsync(request);
            foreach (var item in page.Items ?? [])
            {
                digest.Add(item);
            }

            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);
        var members = (await admin.ScanAsync(new ScanRequest { TableName = Memberships, ConsistentRead = true })).Items.Count(i => i["organizationId"].S == organization);
        return (digest.Count, digest.Hash, members);
    }

    private async Task PutAsync(string organization, int n, string version)
    {
        using var admin = fixture.Admin();
        await admin.PutItemAsync(new PutItemRequest { TableName = Table, Item = Item(organization, n, version) });
    }

    private Task<ProcessRun> ExportAsync(string organization, string directory, params string[] extra)
        => _migration.RunAsync(["export", "--organization", organization, "--out", directory, .. extra]);

    private Task<ProcessRun> EraseAsync(string organization, params string[] extra)
        => _migration.RunAsync(["erase", "--organization", organization, .. extra]);

    private string Dir(string name) => Path.Combine(_work, name);

    private static void AssertRefused(ProcessRun run, string expected)
    {
        Assert.True(run.ExitCode == 1, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains("erase: refused: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportThenErase_OrganizationHasNoItemLeft_NeighboursWithItsIdAsPrefixUnchanged()
    {
        const string x = "acme";
        var neighbours = await SeedAsync(x, 40);
        var before = new Dictionary<string, (long, string, long)>();
        foreach (var neighbour in neighbours)
        {
            before[neighbour] = await StateAsync(neighbour);
        }

        var own = await StateAsync(x);
        var directory = Dir("acme-export");

        var export = await ExportAsync(x, directory);

        Assert.True(export.ExitCode == 0, export.ToString());
        using (var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "manifest.json"))))
        {
            var root = manifest.RootElement;
            Assert.Equal(x, root.GetProperty("organizationId").GetString());
            Assert.Equal(40, root.GetProperty("items").GetInt64());
            Assert.Equal(own.Hash, root.GetProperty("hash").GetString());
            Assert.False(string.IsNullOrEmpty(root.GetProperty("toolVersion").GetString()));
            Assert.True(root.GetProperty("exportedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
            var table = Assert.Single(root.GetProperty("tables").EnumerateArray());
            Assert.Equal(Table, table.GetProperty("table").GetString());
            Assert.Equal("Applications.jsonl", table.GetProperty("file").GetString());
            Assert.Equal(own.Hash, table.GetProperty("hash").GetString());
            Assert.Equal(2, root.GetProperty("memberships").GetProperty("items").GetInt64());
        }

        // The files hold exactly X's items, in DynamoDB JSON that reads back to the same content hash.
        var lines = await File.ReadAllLinesAsync(Path.Combine(directory, "Applications.jsonl"));
        Assert.Equal(40, lines.Length);
        var fromFile = new OrganizationDigest(keepItems: false);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            var item = ItemCodec.ReadItem(json.RootElement.GetProperty("Item"));
            Assert.Equal(x, item["organizationId"].S);
            fromFile.Add(item);
        }

        Assert.Equal(own.Hash, fromFile.Hash);
        var members = await File.ReadAllLinesAsync(Path.Combine(directory, "OrganizationUsers.jsonl"));
        Assert.Equal(2, members.Length);
        Assert.All(members, m => Assert.Contains("\"organizationId\":{\"S\":\"acme\"}", m, StringComparison.Ordinal));

        var erase = await EraseAsync(x, "--confirm", x, "--export", directory);

        Assert.True(erase.ExitCode == 0, erase.ToString());
        Assert.Equal((0L, new OrganizationDigest().Hash, 0L), await StateAsync(x));
        foreach (var neighbour in neighbours)
        {
            Assert.Equal(before[neighbour], await StateAsync(neighbour));
        }

        using (var record = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "erasure.json"))))
        {
            var root = record.RootElement;
            Assert.True(root.GetProperty("complete").GetBoolean());
            Assert.Equal(40, root.GetProperty("itemsDeleted").GetInt64());
            Assert.Equal(own.Hash, root.GetProperty("hashDeleted").GetString());
            Assert.Equal(own.Hash, root.GetProperty("exportHash").GetString());
            Assert.Equal(2, root.GetProperty("membershipsDeleted").GetInt64());
            Assert.Equal(0, root.GetProperty("remaining").GetInt64());
            Assert.Equal("arn:aws:iam::000000000000:user/admin", root.GetProperty("erasedBy").GetProperty("arn").GetString());
            Assert.All(root.GetProperty("tables").EnumerateArray(), t => Assert.Equal(0, t.GetProperty("remaining").GetInt64()));
        }

        Assert.Contains("COMPLETE", await File.ReadAllTextAsync(Path.Combine(directory, "erasure.md")), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, "erase.checkpoint.json")));

        // Idempotent: a re-run after completion reports it, exit 0, and changes nothing.
        var again = await EraseAsync(x, "--confirm", x, "--export", directory);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("already erased", again.StandardOutput, StringComparison.Ordinal);
        foreach (var neighbour in neighbours)
        {
            Assert.Equal(before[neighbour], await StateAsync(neighbour));
        }
    }

    [Fact]
    public async Task Erase_ActiveOrganization_Refused_SuspendedTwinErased()
    {
        const string x = "act";
        await SeedAsync(x, 5, status: "ACTIVE");
        var directory = Dir("act-export");
        Assert.Equal(0, (await ExportAsync(x, directory)).ExitCode);

        var refused = await EraseAsync(x, "--confirm", x, "--export", directory);

        AssertRefused(refused, "organization 'act' is ACTIVE; erase needs status = SUSPENDED");
        Assert.Equal(5, (await StateAsync(x)).Items);
        Assert.False(File.Exists(Path.Combine(directory, "erasure.json")));

        await SetStatusAsync(x, "SUSPENDED");
        var allowed = await EraseAsync(x, "--confirm", x, "--export", directory);
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Equal(0, (await StateAsync(x)).Items);
    }

    [Fact]
    public async Task Erase_MissingOrWrongConfirm_Refused_MatchingConfirmErased()
    {
        const string x = "conf";
        await SeedAsync(x, 5);
        var directory = Dir("conf-export");
        Assert.Equal(0, (await ExportAsync(x, directory)).ExitCode);

        AssertRefused(await EraseAsync(x, "--export", directory), "--confirm conf is required");
        AssertRefused(await EraseAsync(x, "--confirm", x + "-2", "--export", directory), "--confirm 'conf-2' does not match --organization 'conf'");
        Assert.Equal(5, (await StateAsync(x)).Items);

        var allowed = await EraseAsync(x, "--confirm", x, "--export", directory);
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Equal(0, (await StateAsync(x)).Items);
    }

    [Fact]
    public async Task Erase_StaleExport_Refused_FreshExportErased()
    {
        const string x = "stale";
        var neighbours = await SeedAsync(x, 5);
        var old = Dir("stale-export-1");
        Assert.Equal(0, (await ExportAsync(x, old)).ExitCode);
        await PutAsync(x, 2, "changed after the export"); // same count, other content

        var refused = await EraseAsync(x, "--confirm", x, "--export", old);

        AssertRefused(refused, "stale export: Applications holds 5 items of stale with hash");
        Assert.Equal(5, (await StateAsync(x)).Items);

        // A neighbour's write is not X's data: a fresh export of X is still current after it.
        var fresh = Dir("stale-export-2");
        Assert.Equal(0, (await ExportAsync(x, fresh)).ExitCode);
        await PutAsync(neighbours[0], 99, "neighbour write");
        var allowed = await EraseAsync(x, "--confirm", x, "--export", fresh);
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Equal(0, (await StateAsync(x)).Items);
        Assert.Equal(6, (await StateAsync(neighbours[0])).Items);
    }

    [Fact]
    public async Task Erase_NoExport_Refused_ExplicitNoExportErased()
    {
        const string x = "noexp";
        await SeedAsync(x, 5);
        var directory = Dir("noexp-record");

        AssertRefused(await EraseAsync(x, "--confirm", x, "--export", directory), "no export in");
        Assert.Equal(5, (await StateAsync(x)).Items);
        Assert.False(Directory.Exists(directory));

        var allowed = await EraseAsync(x, "--confirm", x, "--no-export", "--out", directory);
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Equal(0, (await StateAsync(x)).Items);
        using var record = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "erasure.json")));
        Assert.True(record.RootElement.GetProperty("noExport").GetBoolean());
        Assert.Equal(5, record.RootElement.GetProperty("itemsDeleted").GetInt64());
    }

    [Fact]
    public async Task ExportAndErase_KilledHalfWay_ResumeToTheSameFilesHashAndCompleteErasure()
    {
        const string x = "big";
        const int items = 3000;
        var neighbours = await SeedAsync(x, items);
        var own = await StateAsync(x);
        var neighbourBefore = await StateAsync(neighbours[0]);

        // the reference: one uninterrupted export
        var reference = Dir("big-reference");
        Assert.Equal(0, (await ExportAsync(x, reference, "--page-size", "50")).ExitCode);

        var directory = Dir("big-export");
        var checkpoint = Path.Combine(directory, "export.checkpoint.json");
        await using (var first = await _migration.StartAsync("export", "--organization", x, "--out", directory, "--page-size", "10"))
        {
            await WaitForProgressAsync(checkpoint, items / 10, first);
        }

        Assert.False(File.Exists(Path.Combine(directory, "manifest.json")));
        var resumed = await ExportAsync(x, directory, "--page-size", "10");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("export: resuming big", resumed.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(ManifestHash(reference), ManifestHash(directory));
        Assert.Equal(own.Hash, ManifestHash(directory));
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(reference, "Applications.jsonl")), await File.ReadAllBytesAsync(Path.Combine(directory, "Applications.jsonl")));
        Assert.Equal(items, (await File.ReadAllLinesAsync(Path.Combine(directory, "Applications.jsonl"))).Length);

        // erase, killed half way: the re-run completes without re-checking the (now partly erased) data against the export
        var eraseCheckpoint = Path.Combine(directory, "erase.checkpoint.json");
        await using (var first = await _migration.StartAsync("erase", "--organization", x, "--confirm", x, "--export", directory, "--page-size", "10"))
        {
            await WaitForProgressAsync(eraseCheckpoint, items / 10, first);
        }

        Assert.InRange((await StateAsync(x)).Items, 1, items - 1);
        var erase = await EraseAsync(x, "--confirm", x, "--export", directory, "--page-size", "10");
        Assert.True(erase.ExitCode == 0, erase.ToString());
        Assert.Contains("erase: resuming the erasure of big", erase.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, (await StateAsync(x)).Items);
        Assert.Equal(neighbourBefore, await StateAsync(neighbours[0]));
        using var record = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "erasure.json")));
        Assert.Equal(items, record.RootElement.GetProperty("itemsDeleted").GetInt64());
        Assert.Equal(own.Hash, record.RootElement.GetProperty("hashDeleted").GetString());
    }

    private static string ManifestHash(string directory)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "manifest.json")));
        return json.RootElement.GetProperty("hash").GetString()!;
    }

    /// <summary>Waits until the checkpoint's first table records at least <paramref name="atLeast"/> items (then the caller kills the process).</summary>
    private static async Task WaitForProgressAsync(string checkpoint, long atLeast, ProcessHost process)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            Assert.False(process.HasExited, "finished before it could be killed: " + process.Output);
            if (File.Exists(checkpoint))
            {
                try
                {
                    using var json = JsonDocument.Parse(await File.ReadAllTextAsync(checkpoint));
                    if (json.RootElement.GetProperty("tables")[0].GetProperty("items").GetInt64() >= atLeast)
                    {
                        return;
                    }
                }
                catch (Exception e) when (e is JsonException or IOException)
                {
                    // replaced while read
                }
            }

            await Task.Delay(20);
        }

        Assert.Fail("no progress in 2 minutes: " + process.Output);
    }
}
