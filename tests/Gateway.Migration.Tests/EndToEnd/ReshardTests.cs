using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Backend.DynamoDb;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>
/// <c>reshard</c> in-process against LocalAws on a fake clock (real SDK, the template's Applications table): items move
/// between the keys of the old and the new shard count and are read back through Gateway.Backend's <see cref="TenantTable"/>
/// with the organization's shard count; bad input is exit 2 with one line and changes nothing; neighbours whose ids
/// start like the organization's are never touched.
/// </summary>
public sealed class ReshardTests(InProcessMigration migration) : IClassFixture<InProcessMigration>
{
    [Fact]
    public async Task Reshard_OneToEightAndBackToOne_EveryItemReadableExactlyOnce_NeighboursUntouched()
    {
        var x = "rs-up-" + Guid.NewGuid().ToString("N")[..6];
        string[] neighbours = [x + "-2", x + "x"];
        await CreateAsync(x, 1, 60);
        await CreateAsync(neighbours[0], 1, 5);
        await CreateAsync(neighbours[1], 4, 5);
        var before = await ReadAsync(x, 1);
        var neighboursBefore = await Task.WhenAll(neighbours.Select(async n => await RawAsync(n)));

        var up = await migration.RunAsync(["reshard", "--organization", x, "--shards", "8", "--drain", "1"]);

        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.Equal(("ACTIVE", 8), await StateAsync(x));
        Assert.Equal(before, await ReadAsync(x, 8));
        Assert.Empty(await QueryAsync(x)); // nothing left in the unsharded key
        Assert.Equal(8, (await RawAsync(x)).Select(i => i.Key.Partition).Distinct().Count());
        Assert.Contains($"reshard: {x} is ACTIVE with 8 shards (60 items", up.StandardOutput, StringComparison.Ordinal);
        // The isolation step, through the gateway's real sessions with the new count's session policy, before the flip.
        Assert.Contains($"reshard: {x}: isolation probed through the gateway's sessions for {x} with 8 shards (read-only, read-write): 8 keys readable, look-alikes refused ({x}#, {x}#8, {x}-2, {x}.x, {x}x, zz-verify-a); 30 checks passed", up.StandardOutput, StringComparison.Ordinal);
        Assert.True(up.StandardOutput.IndexOf("isolation probed", StringComparison.Ordinal) < up.StandardOutput.IndexOf("is ACTIVE with 8 shards", StringComparison.Ordinal), up.ToString());

        var down = await migration.RunAsync(["reshard", "--organization", x, "--shards", "1", "--drain", "1"]);

        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.Contains($"reshard: {x}: isolation probed through the gateway's sessions for {x} with 1 shard (read-only, read-write): 1 key readable, look-alikes refused ({x}#, {x}#1, {x}-2, {x}.x, {x}x, zz-verify-a); 16 checks passed", down.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(("ACTIVE", 1), await StateAsync(x));
        Assert.Equal(before, await ReadAsync(x, 1));
        Assert.All(await RawAsync(x), i => Assert.Equal(x, i.Key.Partition));
        for (var i = 0; i < neighbours.Length; i++)
        {
            Assert.Equal(neighboursBefore[i], await RawAsync(neighbours[i]));
        }
    }

    [Fact]
    public async Task Reshard_SameCount_NoOp_NeverMigrating()
    {
        var x = "rs-same-" + Guid.NewGuid().ToString("N")[..6];
        await CreateAsync(x, 4, 10);
        var before = await RawAsync(x);

        var run = await migration.RunAsync(["reshard", "--organization", x, "--shards", "4"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"reshard: {x} already has 4 shards; nothing to do", run.StandardOutput.Trim());
        Assert.DoesNotContain("MIGRATING", run.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(before, await RawAsync(x));
    }

    [Theory]
    [InlineData("3")]
    [InlineData("0")]
    [InlineData("128")]
    [InlineData("-8")]
    [InlineData("eight")]
    public async Task Reshard_InvalidShardCount_Exit2OneLine_NothingChanged(string shards)
    {
        var x = "rs-bad-" + Guid.NewGuid().ToString("N")[..6];
        await CreateAsync(x, 1, 3);

        var run = await migration.RunAsync(["reshard", "--organization", x, "--shards", shards]);
        var allowed = await migration.RunAsync(["reshard", "--organization", x, "--shards", "2", "--drain", "1"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"reshard: --shards must be 1 or a power of two up to 64 (1, 2, 4, 8, 16, 32, 64; was '{shards}')", run.StandardError.Trim());
        Assert.True(allowed.ExitCode == 0, allowed.ToString()); // the allow twin
        Assert.Equal(("ACTIVE", 2), await StateAsync(x));
    }

    [Fact]
    public async Task Reshard_NotActive_Exit2_UnknownOrganization_Exit2()
    {
        var x = "rs-susp-" + Guid.NewGuid().ToString("N")[..6];
        await CreateAsync(x, 1, 3, status: "SUSPENDED");

        var suspended = await migration.RunAsync(["reshard", "--organization", x, "--shards", "4"]);
        var unknown = await migration.RunAsync(["reshard", "--organization", x + "-none", "--shards", "4"]);

        Assert.Equal(2, suspended.ExitCode);
        Assert.Equal($"reshard: organization '{x}' is SUSPENDED; reshard needs ACTIVE", suspended.StandardError.Trim());
        Assert.Equal(("SUSPENDED", 1), await StateAsync(x));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal($"reshard: organization '{x}-none' is not in Organizations", unknown.StandardError.Trim());
    }

    [Fact]
    public async Task Reshard_StrayItemInANewKey_RefusedBeforeMigrating_NothingWritten()
    {
        var x = "rs-stray-" + Guid.NewGuid().ToString("N")[..6];
        await CreateAsync(x, 1, 10);
        using (var admin = migration.Admin())
        {
            // An item in one of the 2-shard keys that is no copy of X's items: it would be overwritten or served twice.
            await admin.PutItemAsync(new PutItemRequest { TableName = "Applications", Item = new() { ["organizationId"] = new(x + "#1"), ["applicationId"] = new("app-0"), ["name"] = new("not a copy") } });
        }

        var before = await RawAsync(x);

        var run = await migration.RunAsync(["reshard", "--organization", x, "--shards", "2"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"reshard: refused: {x}: ", run.StandardError, StringComparison.Ordinal);
        Assert.Equal(("ACTIVE", 1), await StateAsync(x));
        Assert.Equal(before, await RawAsync(x));
    }

    [Fact]
    public async Task Reshard_CrashAfterFlip_ResumedByTheSameCommand_WrongCountRefused()
    {
        var x = "rs-crash-" + Guid.NewGuid().ToString("N")[..6];
        await CreateAsync(x, 2, 40);
        var before = await ReadAsync(x, 2);

        await Assert.ThrowsAsync<SimulatedCrashException>(() => migration.ReshardAsync(x, "8", s => s == "flipped" ? throw new SimulatedCrashException() : Task.CompletedTask));
        var wrong = await migration.RunAsync(["reshard", "--organization", x, "--shards", "4"]);
        var resumed = await migration.RunAsync(["reshard", "--organization", x, "--shards", "8", "--drain", "1"]);

        Assert.Equal(2, wrong.ExitCode);
        Assert.Equal($"reshard: a reshard of '{x}' from 2 to 8 shards is under way (status MIGRATING); re-run with --shards 8 to finish it", wrong.StandardError.Trim());
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"reshard: resuming the reshard of {x} from 2 to 8 shards", resumed.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(("ACTIVE", 8), await StateAsync(x));
        Assert.Equal(before, await ReadAsync(x, 8));
        Assert.Equal(40, (await RawAsync(x)).Count);
    }

    [Fact]
    public async Task Recommend_CountsEveryShardForItsOrganization_SuggestsFromTheMetrics()
    {
        var a = "rc-" + Guid.NewGuid().ToString("N")[..6];
        var b = a + "-2";
        await CreateAsync(a, 4, 20);
        await CreateAsync(b, 1, 5);
        var metrics = Path.Combine(migration.Work, a + ".prom");
        var baseline = Path.Combine(migration.Work, a + ".baseline.prom");
        await File.WriteAllLinesAsync(baseline, [$"gateway_organization_requests_total{{organization=\"{a}\",access=\"write\"}} 1000"]);
        await File.WriteAllLinesAsync(metrics,
        [
            "# TYPE gateway_organization_requests_total counter",
            $"gateway_organization_requests_total{{organization=\"{a}\",access=\"write\"}} 61000",
            $"gateway_organization_requests_total{{organization=\"{a}\",access=\"read\"}} 500",
            $"gateway_organization_requests_total{{organization=\"{b}\",access=\"read\"}} 1000",
        ]);

        var run = await migration.RunAsync(["recommend", "--organizations", $"{a},{b}", "--metrics", metrics, "--baseline", baseline, "--window", "10", "--json"]);
        var table = await migration.RunAsync(["recommend", "--organizations", $"{a},{b}"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(run.StandardOutput);
        var rows = json.RootElement.GetProperty("organizations").EnumerateArray().ToDictionary(r => r.GetProperty("organizationId").GetString()!);
        Assert.Equal(20, rows[a].GetProperty("items").GetInt64()); // all four shard keys, counted for a
        Assert.Equal(4, rows[a].GetProperty("shards").GetInt32());
        Assert.Equal(6000, rows[a].GetProperty("writesPerSecond").GetDouble()); // (61,000 − 1,000) / 10 s
        Assert.Equal(16, rows[a].GetProperty("suggestedShards").GetInt32()); // 6,000 WCU / (1,000 × 0.5) = 12 keys → 16
        Assert.Equal($"reshard --organization {a} --shards 16", rows[a].GetProperty("advice").GetString());
        Assert.Equal(5, rows[b].GetProperty("items").GetInt64());
        Assert.Equal(1, rows[b].GetProperty("suggestedShards").GetInt32());
        Assert.Equal("keep", rows[b].GetProperty("advice").GetString());
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("organization", table.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(a, table.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(("ACTIVE", 4), await StateAsync(a)); // recommend changes nothing
    }

    [Fact]
    public async Task Reshard_RoleLosesTheNewKeysDuringTheDrain_IsolationProbeFailsBeforeTheFlip_ResumesOnceRestored()
    {
        // The fault: while X is MIGRATING, the tenant role gets a Deny on X's shard keys (a role that cannot serve the new
        // keys). The counts and hashes still validate (the operator's unscoped reads), but the gateway's real session with
        // the 4-shard policy cannot read X#0: the reshard must stop before the flip, X MIGRATING with 1 shard, nothing
        // deleted. Allow twin: the same command, once the Deny is gone, resumes and finishes.
        var x = "rs-iso-" + Guid.NewGuid().ToString("N")[..6];
        await CreateAsync(x, 1, 20);
        var before = await ReadAsync(x, 1);
        var iam = TenantRoleIam();
        try
        {
            var stopped = await migration.RunAsync(["reshard", "--organization", x, "--shards", "4", "--drain", "1"],
                whileWaiting: () => iam.PutRolePolicyAsync("TenantDataAccess", DenyPolicyName, DenyShardKeys(x), CancellationToken.None), waitFor: x);

            Assert.True(stopped.ExitCode == 1, stopped.ToString());
            var line = Assert.Single(stopped.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"reshard: {x}: isolation probe failed: read-only {x} (4 shards): GetItem Applications → {x}#0: expected allowed, observed AccessDeniedException from DynamoDB at {migration.Aws.Url}; shards not flipped, nothing deleted; it stays MIGRATING", line, StringComparison.Ordinal);
            Assert.DoesNotContain("isolation probed", stopped.StandardOutput, StringComparison.Ordinal);
            Assert.Equal(("MIGRATING", 1), await StateAsync(x));
            Assert.Equal(20, (await RawAsync(x)).Count(i => i.Key.Partition == x)); // the old key still holds every item (and the copies are in the new keys)
            Assert.Equal(before, await ReadAsync(x, 1));

            Assert.True(await iam.DeleteRolePolicyAsync("TenantDataAccess", DenyPolicyName, CancellationToken.None));
            var resumed = await migration.RunAsync(["reshard", "--organization", x, "--shards", "4", "--drain", "1"]);

            Assert.True(resumed.ExitCode == 0, resumed.ToString());
            Assert.Contains($"reshard: resuming the reshard of {x} from 1 to 4 shards", resumed.StandardOutput, StringComparison.Ordinal);
            Assert.Contains($"reshard: {x}: isolation probed through the gateway's sessions for {x} with 4 shards", resumed.StandardOutput, StringComparison.Ordinal);
            Assert.Equal(("ACTIVE", 4), await StateAsync(x));
            Assert.Equal(before, await ReadAsync(x, 4));
        }
        finally
        {
            await iam.DeleteRolePolicyAsync("TenantDataAccess", DenyPolicyName, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Reshard_StsUnavailable_RefusedBeforeMigrating_NothingWritten()
    {
        // No session can be minted (STS down): fail closed before any downtime, one line naming STS's endpoint. Allow
        // twin: the same command once STS answers.
        var x = "rs-sts-" + Guid.NewGuid().ToString("N")[..6];
        await CreateAsync(x, 1, 10);
        var before = await RawAsync(x);
        InProcessMigration.Run refused;
        await migration.Aws.SetStsFaultAsync("unavailable");
        try
        {
            refused = await migration.RunAsync(["reshard", "--organization", x, "--shards", "2", "--drain", "1"]);
        }
        finally
        {
            await migration.Aws.ClearFaultsAsync();
        }

        Assert.True(refused.ExitCode == 1, refused.ToString());
        var line = Assert.Single(refused.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"reshard: refused: {x}: isolation probe failed: read-only {x}: AssumeRole with the session policy: expected credentials, observed ", line, StringComparison.Ordinal);
        Assert.Contains($"STS at {migration.Aws.Url}", line, StringComparison.Ordinal);
        Assert.EndsWith($"; nothing written, it stays ACTIVE with 1 shard", line.TrimEnd(), StringComparison.Ordinal);
        Assert.Equal(("ACTIVE", 1), await StateAsync(x));
        Assert.Equal(before, await RawAsync(x));

        var twin = await migration.RunAsync(["reshard", "--organization", x, "--shards", "2", "--drain", "1"]);
        Assert.True(twin.ExitCode == 0, twin.ToString());
        Assert.Equal(("ACTIVE", 2), await StateAsync(x));
    }

    private const string DenyPolicyName = "zz-reshard-test-deny";

    private Gateway.Isolation.Aws.IamClient TenantRoleIam()
        => new(new Gateway.Isolation.Configuration.AwsOptions { IamServiceUrl = migration.Aws.Url }, credentials: migration.Aws.AdminCredentials);

    private static string DenyShardKeys(string organization)
        => """{"Version":"2012-10-17","Statement":[{"Sid":"DenyShardKeys","Effect":"Deny","Action":["dynamodb:GetItem","dynamodb:Query","dynamodb:BatchGetItem"],"Resource":"*","Condition":{"ForAnyValue:StringLike":{"dynamodb:LeadingKeys":["@O#*"]}}}]}""".Replace("@O", organization, StringComparison.Ordinal);

    internal sealed class SimulatedCrashException : Exception
    {
    }

    [Fact]
    public async Task Reshard_SuspendedDuringTheReshard_TheCommandExportNamesFinishesIt_StaysSuspended_ActiveTwinRefused()
    {
        // The runbook's first step (suspend) during a reshard: the reshard stops at its next status change (exit 2), export
        // says "finish it first: reshard …" — that command must finish it (was: refused, "resumes only while MIGRATING").
        var x = "rs-susp-" + Guid.NewGuid().ToString("N")[..6];
        await CreateAsync(x, 1, 30);
        var before = await ReadAsync(x, 1);
        var stopped = await Assert.ThrowsAsync<Invocation.UsageException>(() => migration.ReshardAsync(x, "4", s => s == "validated" ? migration.SetStatusAsync(x, "SUSPENDED") : Task.CompletedTask));
        var export = await migration.RunAsync(["export", "--organization", x, "--out", Path.Combine(migration.Work, x + "-during")]);

        var resumed = await migration.RunAsync(["reshard", "--organization", x, "--shards", "4"]);

        Assert.Equal($"organization '{x}' changed status while the migration tool worked on it (expected MIGRATING); left as it is now", stopped.Message);
        Assert.Equal($"export: organization '{x}' is being resharded from 1 to 4 shards (SUSPENDED); finish it first: reshard --organization {x} --shards 4", export.StandardError.Trim());
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"reshard: resuming the reshard of {x} from 1 to 4 shards (copying); it is SUSPENDED and stays SUSPENDED", resumed.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"reshard: {x} is SUSPENDED with 4 shards (30 items, ", resumed.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(("SUSPENDED", 4), await StateAsync(x));
        Assert.Equal(before, await ReadAsync(x, 4));
        Assert.Equal(30, (await RawAsync(x)).Count);
        var after = await migration.RunAsync(["export", "--organization", x, "--out", Path.Combine(migration.Work, x + "-after")]);
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal(30, (await File.ReadAllLinesAsync(Path.Combine(migration.Work, x + "-after", "Applications.jsonl"))).Length);

        // The deny twin: re-activated by hand with a reshard under way, the gateway serves X from one layout while the other
        // is still in its keys: the reshard is not resumed then (exit 2, one line, nothing changed).
        var y = "rs-act-" + Guid.NewGuid().ToString("N")[..6];
        await CreateAsync(y, 1, 10);
        await Assert.ThrowsAsync<SimulatedCrashException>(() => migration.ReshardAsync(y, "4", s => s == "validated" ? throw new SimulatedCrashException() : Task.CompletedTask));
        await migration.SetStatusAsync(y, "ACTIVE");
        var raw = await RawAsync(y);
        var refused = await migration.RunAsync(["reshard", "--organization", y, "--shards", "4"]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal($"reshard: organization '{y}' is ACTIVE with a reshard from 1 to 4 shards under way; a reshard resumes only while it is MIGRATING or SUSPENDED (its requests refused)", refused.StandardError.Trim());
        Assert.Equal(("ACTIVE", 1), await StateAsync(y));
        Assert.Equal(raw, await RawAsync(y));
    }

    private async Task CreateAsync(string organization, int shards, int items, string status = "ACTIVE")
    {
        using var admin = migration.Admin();
        var record = new Dictionary<string, AttributeValue> { ["organizationId"] = new(organization), ["status"] = new(status) };
        if (shards > 1)
        {
            record["shards"] = new AttributeValue { N = shards.ToString(CultureInfo.InvariantCulture) };
        }

        await admin.PutItemAsync(new PutItemRequest { TableName = "Organizations", Item = record });
        var table = Table(admin, organization, shards);
        for (var i = 0; i < items; i++)
        {
            await table.PutItemAsync(new() { ["applicationId"] = new(string.Create(CultureInfo.InvariantCulture, $"app-{i}")), ["name"] = new(string.Create(CultureInfo.InvariantCulture, $"{organization} app {i}")) });
        }
    }

    internal static TenantTable Table(IAmazonDynamoDB client, string organization, int shards)
        => new(client, organization, "Applications", "organizationId", "applicationId", shards);

    /// <summary>applicationId → name through TenantTable with <paramref name="shards"/>; fails on a duplicate.</summary>
    private async Task<SortedDictionary<string, string>> ReadAsync(string organization, int shards)
    {
        using var admin = migration.Admin();
        var items = await Table(admin, organization, shards).QueryAsync();
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            Assert.True(result.TryAdd(item["applicationId"].S, item["name"].S), $"{item["applicationId"].S} read twice");
        }

        return result;
    }

    private async Task<(string? Status, int Shards)> StateAsync(string organization)
    {
        using var admin = migration.Admin();
        var item = (await admin.GetItemAsync(new GetItemRequest { TableName = "Organizations", Key = new() { ["organizationId"] = new(organization) }, ConsistentRead = true })).Item;
        return (item["status"].S, item.TryGetValue("shards", out var n) ? int.Parse(n.N, CultureInfo.InvariantCulture) : 1);
    }

    private Task<SortedDictionary<(string Partition, string Id), string>> RawAsync(string organization) => migration.RawShardsAsync(organization);

    private async Task<List<Dictionary<string, AttributeValue>>> QueryAsync(string partition)
    {
        using var admin = migration.Admin();
        var response = await admin.QueryAsync(new QueryRequest
        {
            TableName = "Applications",
            KeyConditionExpression = "organizationId = :o",
            ExpressionAttributeValues = new() { [":o"] = new(partition) },
            ConsistentRead = true,
        });
        return response.Items;
    }
}
