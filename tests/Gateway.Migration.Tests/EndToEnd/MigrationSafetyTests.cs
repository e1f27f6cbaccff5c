using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Backend.DynamoDb;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>
/// The documented commands never lose an item (issue 20 §1), in-process against LocalAws on a fake clock: cleanup only
/// after every organization was cut over and validated with legacy unchanged since; the cutover delta deletes only what
/// the migration copied; target items it did not write are a conflict; the wait protects writes made in the window;
/// an organization suspended meanwhile stays suspended; rollback never hides writes made on the partitioned table.
/// Every test has its own legacy table and organizations.
/// </summary>
public sealed class MigrationSafetyTests(InProcessMigration migration) : IClassFixture<InProcessMigration>
{
    private async Task<string> PlanAsync(string name, string table, IReadOnlyList<string> organizations, int perOrganization = 3)
    {
        await migration.CreateLegacyAsync(table, organizations, perOrganization);
        var plan = Path.Combine(migration.Work, name + ".json");
        var run = await migration.RunAsync(["plan", "--source", table, "--target", "Applications", "--organization-attribute", "orgId", "--plan", plan]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return plan;
    }

    private async Task CopyAsync(string plan)
    {
        var run = await migration.RunAsync(["copy", "--all", "--checkpoint", plan + "." + Guid.NewGuid().ToString("N") + ".checkpoint", "--plan", plan]);
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    private Task<InProcessMigration.Run> CutoverAsync(string plan, string organization, Func<Task>? whileWaiting = null, params string[] extra)
        => migration.RunAsync(["cutover", "--organization", organization, "--drain", "1", "--plan", plan, .. extra], whileWaiting, organization);

    private async Task PutLegacyAsync(string table, string organization, string applicationId, string name)
    {
        using var admin = migration.Admin();
        await admin.PutItemAsync(new PutItemRequest { TableName = table, Item = InProcessMigration.LegacyItem(organization, applicationId, name) });
    }

    private async Task PutTargetAsync(string organization, string applicationId, string name)
    {
        using var admin = migration.Admin();
        await admin.PutItemAsync(new PutItemRequest { TableName = "Applications", Item = InProcessMigration.TargetItem(organization, applicationId, name) });
    }

    private async Task SetLocationAsync(string organization, string status, string location)
    {
        using var admin = migration.Admin();
        await admin.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = "Organizations",
            Key = new() { ["organizationId"] = new(organization) },
            UpdateExpression = "SET #s = :s, #l = :l",
            ExpressionAttributeNames = new() { ["#s"] = "status", ["#l"] = "dataLocation" },
            ExpressionAttributeValues = new() { [":s"] = new(status), [":l"] = new(location) },
        });
    }

    private Task<InProcessMigration.Run> RollbackAsync(string plan, string organization, params string[] extra)
        => migration.RunAsync(["rollback", "--organization", organization, "--drain", "1", "--plan", plan, .. extra], null, null);

    [Fact]
    public async Task Cleanup_ValidatedButNotCutOver_RefusedNothingDeleted_AfterCutoverOfAllDeletes()
    {
        const string table = "SafetyCleanupOrder";
        string[] organizations = ["sco-a", "sco-b"];
        var plan = await PlanAsync("cleanup-order", table, organizations);
        await CopyAsync(plan);
        var validate = await migration.RunAsync(["validate", "--report", plan + ".report", "--plan", plan]);
        Assert.True(validate.ExitCode == 0, validate.ToString());

        var refused = await migration.RunAsync(["cleanup", "--source", table, "--delete", "--plan", plan]);

        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("2 of 2 organizations of the plan are not cut over", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(3, (await migration.LegacyAsync(table, "sco-a")).Count);

        // cutover of one, then the other rolled back after its cutover: still refused
        Assert.Equal(0, (await CutoverAsync(plan, "sco-a")).ExitCode);
        Assert.Equal(0, (await CutoverAsync(plan, "sco-b")).ExitCode);
        var rollback = await migration.RunAsync(["rollback", "--organization", "sco-b", "--drain", "1", "--plan", plan], null, null);
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        var afterRollback = await migration.RunAsync(["cleanup", "--source", table, "--delete", "--plan", plan]);
        Assert.True(afterRollback.ExitCode == 1, afterRollback.ToString());
        Assert.Contains("1 of 2 organizations of the plan are not cut over", afterRollback.StandardError, StringComparison.Ordinal);
        Assert.Equal(3, (await migration.LegacyAsync(table, "sco-b")).Count);

        // twin: every organization cut over and validated at its cutover → cleanup deletes the legacy items, the target keeps them
        var recut = await CutoverAsync(plan, "sco-b");
        Assert.True(recut.ExitCode == 0, recut.ToString());
        var cleanup = await migration.RunAsync(["cleanup", "--source", table, "--delete", "--plan", plan]);
        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        Assert.Empty(await migration.LegacyAsync(table, "sco-a"));
        Assert.Equal(3, (await migration.TargetAsync("sco-a")).Count);
        Assert.Equal(3, (await migration.TargetAsync("sco-b")).Count);
    }

    [Fact]
    public async Task Cleanup_OneAttributeChangedAfterValidation_RefusedDeletesNothing()
    {
        const string table = "SafetyCleanupChanged";
        var plan = await PlanAsync("cleanup-changed", table, ["scc-a"]);
        await CopyAsync(plan);
        Assert.Equal(0, (await CutoverAsync(plan, "scc-a")).ExitCode);
        await PutLegacyAsync(table, "scc-a", "scc-a-app-1", "changed"); // same count, other content

        var refused = await migration.RunAsync(["cleanup", "--source", table, "--delete", "--plan", plan]);

        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("changed since they were validated", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(3, (await migration.LegacyAsync(table, "scc-a")).Count);

        // twin: the attribute back as validated → cleanup deletes
        await PutLegacyAsync(table, "scc-a", "scc-a-app-1", "v0");
        var cleanup = await migration.RunAsync(["cleanup", "--source", table, "--delete", "--plan", plan]);
        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        Assert.Empty(await migration.LegacyAsync(table, "scc-a"));
    }

    [Fact]
    public async Task Cutover_TargetOnlyItem_ConflictExit1NothingDeletedStaysOnLegacy_FlagReplacesIt()
    {
        const string table = "SafetyConflict";
        await PutTargetAsync("scf-a", "seeded-1", "seeded"); // in the partitioned table before the migration
        await migration.CreateLegacyAsync(table, ["scf-a"], 3);
        var plan = Path.Combine(migration.Work, "conflict.json");
        var planned = await migration.RunAsync(["plan", "--source", table, "--target", "Applications", "--organization-attribute", "orgId", "--plan", plan]);
        Assert.True(planned.ExitCode == 0, planned.ToString());
        Assert.Contains("warning: the target Applications already holds items of 1 planned organizations (first: scf-a)", planned.StandardOutput, StringComparison.Ordinal);
        await CopyAsync(plan);

        var conflict = await CutoverAsync(plan, "scf-a");

        Assert.True(conflict.ExitCode == 1, conflict.ToString());
        Assert.Contains("1 target items were not written by the migration and differ from legacy (1 only in the target, e.g. organizationId=S\"scf-a\", applicationId=S\"seeded-1\")", conflict.StandardError, StringComparison.Ordinal);
        Assert.Equal("seeded", (await migration.TargetAsync("scf-a"))["seeded-1"]);
        Assert.Equal<(string?, string?)>(("ACTIVE", null), await migration.ReadOrganizationAsync("scf-a"));

        // twin: the explicit flag replaces the target with legacy's items
        var discarded = await CutoverAsync(plan, "scf-a", null, "--discard-target-conflicts");
        Assert.True(discarded.ExitCode == 0, discarded.ToString());
        Assert.False((await migration.TargetAsync("scf-a")).ContainsKey("seeded-1"));
        Assert.Equal<(string?, string?)>(("ACTIVE", "PARTITIONED"), await migration.ReadOrganizationAsync("scf-a"));
    }

    [Fact]
    public async Task Cutover_ItemCopiedThenDeletedInLegacy_DeletedFromTarget()
    {
        const string table = "SafetyLegacyDelete";
        var plan = await PlanAsync("legacy-delete", table, ["sld-a"]);
        await CopyAsync(plan);
        using (var admin = migration.Admin())
        {
            await admin.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = new() { ["applicationId"] = new("sld-a-app-0") } });
        }

        await PutLegacyAsync(table, "sld-a", "sld-a-app-1", "updated in legacy");

        var run = await CutoverAsync(plan, "sld-a");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("delta for sld-a: 1 items written, 1 deleted", run.StandardOutput, StringComparison.Ordinal);
        var target = await migration.TargetAsync("sld-a");
        Assert.Equal(["sld-a-app-1", "sld-a-app-2"], target.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("updated in legacy", target["sld-a-app-1"]);
    }

    [Fact]
    public async Task Cutover_Waits_NothingCopiedBeforeTheWaitEnds_LegacyWriteInTheWindowReachesTheTarget()
    {
        const string table = "SafetyWait";
        var plan = await PlanAsync("wait", table, ["swt-a"]);
        await CopyAsync(plan);
        await PutLegacyAsync(table, "swt-a", "before-cutover", "x"); // part of the delta

        var run = await CutoverAsync(plan, "swt-a", async () =>
        {
            // the fake clock has not moved: for 3 s nothing of the delta may reach the target
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(3);
            while (DateTime.UtcNow < until)
            {
                Assert.False((await migration.TargetAsync("swt-a")).ContainsKey("before-cutover"), "the delta was copied before the wait ended");
                await Task.Delay(100);
            }

            await PutLegacyAsync(table, "swt-a", "in-the-window", "y"); // a request routed to legacy before MIGRATING was seen
        });

        Assert.True(run.ExitCode == 0, run.ToString());
        var target = await migration.TargetAsync("swt-a");
        Assert.Contains("before-cutover", target.Keys);
        Assert.Contains("in-the-window", target.Keys);
        Assert.Equal<(string?, string?)>(("ACTIVE", "PARTITIONED"), await migration.ReadOrganizationAsync("swt-a"));
    }

    [Fact]
    public async Task Cutover_SuspendedDuringTheWait_StaysSuspendedNotPartitioned()
    {
        const string table = "SafetySuspend";
        var plan = await PlanAsync("suspend", table, ["ssp-a"]);
        await CopyAsync(plan);

        var run = await CutoverAsync(plan, "ssp-a", () => migration.SetStatusAsync("ssp-a", "SUSPENDED"));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("changed status while the migration tool worked on it", run.StandardError, StringComparison.Ordinal);
        Assert.Equal<(string?, string?)>(("SUSPENDED", null), await migration.ReadOrganizationAsync("ssp-a"));
    }

    [Fact]
    public async Task Rollback_WritesMadeOnThePartitionedTable_RefusedStaysPartitioned_FlagRollsBack()
    {
        const string table = "SafetyRollback";
        var plan = await PlanAsync("rollback-hidden", table, ["srb-a"]);
        await CopyAsync(plan);
        Assert.Equal(0, (await CutoverAsync(plan, "srb-a")).ExitCode);
        await PutTargetAsync("srb-a", "after-cutover", "new"); // through the isolated route

        var refused = await migration.RunAsync(["rollback", "--organization", "srb-a", "--drain", "1", "--plan", plan], null, null);

        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("srb-a has 1 items on the partitioned table that legacy lacks", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal<(string?, string?)>(("ACTIVE", "PARTITIONED"), await migration.ReadOrganizationAsync("srb-a"));

        // twin: with nothing written since the cutover (the write copied back to legacy), rollback goes through
        await PutLegacyAsync(table, "srb-a", "after-cutover", "new");
        var rolled = await migration.RunAsync(["rollback", "--organization", "srb-a", "--drain", "1", "--plan", plan], null, null);
        Assert.True(rolled.ExitCode == 0, rolled.ToString());
        Assert.Equal<(string?, string?)>(("ACTIVE", "LEGACY"), await migration.ReadOrganizationAsync("srb-a"));
    }

    [Fact]
    public async Task Rollback_ReshardedSinceTheCutover_RefusedExit2StaysPartitioned_ReshardedToOneTheWriteInAShardKeyIsFound()
    {
        const string table = "SafetyRollbackSharded";
        var plan = await PlanAsync("rollback-sharded", table, ["srh-a"]);
        await CopyAsync(plan);
        Assert.Equal(0, (await CutoverAsync(plan, "srh-a")).ExitCode);
        var reshard = await migration.RunAsync(["reshard", "--organization", "srh-a", "--shards", "4", "--drain", "1"]);
        Assert.True(reshard.ExitCode == 0, reshard.ToString());
        using (var admin = migration.Admin())
        {
            // A tenant write through the isolated route, in the shard key its sort key hashes to (as TenantTable writes it).
            var shardKey = TenantShards.PartitionKey("srh-a", TenantShards.ShardOf(new AttributeValue("after-reshard"), 4), 4);
            var item = InProcessMigration.TargetItem("srh-a", "after-reshard", "new");
            item["organizationId"] = new(shardKey);
            await admin.PutItemAsync(new PutItemRequest { TableName = "Applications", Item = item });
        }

        var refused = await RollbackAsync(plan, "srh-a");

        // Before the guard: exit 0 and routed to legacy — the bare key srh-a holds nothing legacy lacks.
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("rollback: organization 'srh-a' has 4 shards on the partitioned table", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("reshard --organization srh-a --shards 1", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal<(string?, string?)>(("ACTIVE", "PARTITIONED"), await migration.ReadOrganizationAsync("srh-a"));

        // twin: resharded to 1, the write is in the bare key and rollback finds it (refused for the hidden write, not the shards)
        var back = await migration.RunAsync(["reshard", "--organization", "srh-a", "--shards", "1", "--drain", "1"]);
        Assert.True(back.ExitCode == 0, back.ToString());
        var hidden = await RollbackAsync(plan, "srh-a");
        Assert.True(hidden.ExitCode == 1, hidden.ToString());
        Assert.Contains("srh-a has 1 items on the partitioned table that legacy lacks", hidden.StandardError, StringComparison.Ordinal);
        Assert.Equal<(string?, string?)>(("ACTIVE", "PARTITIONED"), await migration.ReadOrganizationAsync("srh-a"));
    }

    [Fact]
    public async Task Cutover_ReshardedWhileOnLegacy_RefusedExit2NothingChanged_ReshardedToOneCutsOver()
    {
        const string table = "SafetyCutoverSharded";
        var plan = await PlanAsync("cutover-sharded", table, ["scs-a"]);
        await CopyAsync(plan);
        var before = await migration.ReadOrganizationAsync("scs-a");
        var reshard = await migration.RunAsync(["reshard", "--organization", "scs-a", "--shards", "2", "--drain", "1"]);
        Assert.True(reshard.ExitCode == 0, reshard.ToString());

        var refused = await CutoverAsync(plan, "scs-a");

        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("cutover: organization 'scs-a' has 2 shards on the partitioned table", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(before, await migration.ReadOrganizationAsync("scs-a"));

        // twin: resharded back to 1, the cutover goes through and validates
        var back = await migration.RunAsync(["reshard", "--organization", "scs-a", "--shards", "1", "--drain", "1"]);
        Assert.True(back.ExitCode == 0, back.ToString());
        var cutover = await CutoverAsync(plan, "scs-a");
        Assert.True(cutover.ExitCode == 0, cutover.ToString());
        Assert.Equal<(string?, string?)>(("ACTIVE", "PARTITIONED"), await migration.ReadOrganizationAsync("scs-a"));
    }

    [Fact]
    public async Task Copy_ReshardedWhileOnLegacy_RefusedExit2NothingWritten_ReshardedToOneCopies()
    {
        const string table = "SafetyCopySharded";
        var plan = await PlanAsync("copy-sharded", table, ["scp-a", "scp-b"]);
        await CopyAsync(plan);
        var reshard = await migration.RunAsync(["reshard", "--organization", "scp-a", "--shards", "2", "--drain", "1"]);
        Assert.True(reshard.ExitCode == 0, reshard.ToString());
        var sharded = await migration.RawShardsAsync("scp-a");
        Assert.Empty(await migration.TargetAsync("scp-a")); // the items are in scp-a#0 and scp-a#1 now
        await PutLegacyAsync(table, "scp-a", "scp-a-later", "new"); // a legacy write, for a re-run of copy to carry

        var refused = await migration.RunAsync(["copy", "--all", "--checkpoint", plan + ".again.checkpoint", "--plan", plan]);

        // Before the guard: exit 0, and the 4 items written into the bare key scp-a, which scp-a's 2-shard backend never reads.
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Equal(
            "copy: organization 'scp-a' has 2 shards on the partitioned table; copy writes only the unsharded key scp-a (legacy has no shards), which a sharded organization's backend never reads; nothing written (or leave it out with --organizations). Finish with reshard --organization scp-a --shards 1 first",
            refused.StandardError.Trim());
        Assert.Equal(sharded, await migration.RawShardsAsync("scp-a"));
        Assert.False(File.Exists(plan + ".again.checkpoint"));

        // twin: the unsharded neighbour alone is copied; resharded to 1, scp-a is copied into the key its backend reads
        var neighbour = await migration.RunAsync(["copy", "--organizations", "scp-b", "--checkpoint", plan + ".b.checkpoint", "--plan", plan]);
        Assert.True(neighbour.ExitCode == 0, neighbour.ToString());
        var back = await migration.RunAsync(["reshard", "--organization", "scp-a", "--shards", "1", "--drain", "1"]);
        Assert.True(back.ExitCode == 0, back.ToString());
        var copied = await migration.RunAsync(["copy", "--all", "--checkpoint", plan + ".after.checkpoint", "--plan", plan]);
        Assert.True(copied.ExitCode == 0, copied.ToString());
        Assert.Equal(await migration.LegacyAsync(table, "scp-a"), await migration.TargetAsync("scp-a"));
    }

    [Fact]
    public async Task Validate_ReshardInterruptedAfterTheFlip_RefusedExit2NothingRecorded_FinishedToOneValidates()
    {
        const string table = "SafetyValidateSharded";
        var plan = await PlanAsync("validate-sharded", table, ["svl-a"]);
        await CopyAsync(plan);
        // A reshard to 4 killed after it flipped svl-a's shards (4 shard keys serve it) and before it deleted the bare key.
        await Assert.ThrowsAsync<ReshardTests.SimulatedCrashException>(() => migration.ReshardAsync("svl-a", "4", step => step == Gateway.Migration.Resharding.ReshardCommand.Steps.Flipped ? throw new ReshardTests.SimulatedCrashException() : Task.CompletedTask));
        Assert.Equal(3, (await migration.TargetAsync("svl-a")).Count); // the bare key still holds the copies

        var refused = await migration.RunAsync(["validate", "--report", Path.Combine(migration.Work, "validate-sharded-report"), "--plan", plan]);

        // Before the guard: exit 0, svl-a recorded as validated from the bare key the next reshard step empties.
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.StartsWith("validate: organization 'svl-a' has a reshard from 1 to 4 shards under way; validate compares legacy with the unsharded key svl-a only", refused.StandardError.Trim(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(migration.Work, "validate-sharded-report.json")));
        Assert.False(File.Exists(Path.ChangeExtension(plan, ".validated.json")));

        // twin: the reshard finished and undone to 1, validate reads the key svl-a is served from and passes
        Assert.Equal(0, (await migration.RunAsync(["reshard", "--organization", "svl-a", "--shards", "4", "--drain", "1"])).ExitCode);
        Assert.Equal(0, (await migration.RunAsync(["reshard", "--organization", "svl-a", "--shards", "1", "--drain", "1"])).ExitCode);
        var validated = await migration.RunAsync(["validate", "--report", Path.Combine(migration.Work, "validate-sharded-report"), "--plan", plan]);
        Assert.True(validated.ExitCode == 0, validated.ToString());
        Assert.Contains("validate: 1 organizations, 3 legacy / 3 target items; 0 content mismatches", validated.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cutover_CopiedItemEditedInTarget_ConflictExit1TargetKept_FlagReplacesItWithLegacy()
    {
        const string table = "SafetyEditedCopy";
        var plan = await PlanAsync("edited-copy", table, ["sec-a"]);
        await CopyAsync(plan);
        await PutTargetAsync("sec-a", "sec-a-app-1", "edited in target"); // a copied key, changed since the migration wrote it

        var conflict = await CutoverAsync(plan, "sec-a");

        Assert.True(conflict.ExitCode == 1, conflict.ToString());
        Assert.Contains("1 changed in the target, e.g. organizationId=S\"sec-a\", applicationId=S\"sec-a-app-1\"", conflict.StandardError, StringComparison.Ordinal);
        Assert.Equal("edited in target", (await migration.TargetAsync("sec-a"))["sec-a-app-1"]);
        Assert.Equal<(string?, string?)>(("ACTIVE", null), await migration.ReadOrganizationAsync("sec-a"));

        // twin: the explicit flag replaces it with legacy's item
        var discarded = await CutoverAsync(plan, "sec-a", null, "--discard-target-conflicts");
        Assert.True(discarded.ExitCode == 0, discarded.ToString());
        Assert.Equal("v0", (await migration.TargetAsync("sec-a"))["sec-a-app-1"]);
        Assert.Equal<(string?, string?)>(("ACTIVE", "PARTITIONED"), await migration.ReadOrganizationAsync("sec-a"));
    }

    [Fact]
    public async Task Rollback_CopiedItemEditedOnThePartitionedTable_RefusedStaysPartitioned_CopiedBackRollsBack()
    {
        const string table = "SafetyRollbackEdited";
        var plan = await PlanAsync("rollback-edited", table, ["sre-a"]);
        await CopyAsync(plan);
        Assert.Equal(0, (await CutoverAsync(plan, "sre-a")).ExitCode);
        await PutTargetAsync("sre-a", "sre-a-app-1", "edited after cutover"); // legacy has the key, with other content

        var refused = await RollbackAsync(plan, "sre-a");

        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("sre-a has 1 items on the partitioned table that legacy lacks or holds with other content", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal<(string?, string?)>(("ACTIVE", "PARTITIONED"), await migration.ReadOrganizationAsync("sre-a"));

        // twin: the edit copied back to legacy → rollback goes through
        await PutLegacyAsync(table, "sre-a", "sre-a-app-1", "edited after cutover");
        var rolled = await RollbackAsync(plan, "sre-a");
        Assert.True(rolled.ExitCode == 0, rolled.ToString());
        Assert.Equal<(string?, string?)>(("ACTIVE", "LEGACY"), await migration.ReadOrganizationAsync("sre-a"));
    }

    [Fact]
    public async Task Rollback_SuspendedWithWritesOnThePartitionedTable_RefusedStaysPartitionedAndSuspended_FlagRoutesToLegacy()
    {
        const string table = "SafetyRollbackSuspended";
        var plan = await PlanAsync("rollback-suspended", table, ["srs-a"]);
        await CopyAsync(plan);
        Assert.Equal(0, (await CutoverAsync(plan, "srs-a")).ExitCode);
        await PutTargetAsync("srs-a", "after-cutover", "x");
        await migration.SetStatusAsync("srs-a", "SUSPENDED");

        var refused = await RollbackAsync(plan, "srs-a");

        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("srs-a has 1 items on the partitioned table that legacy lacks", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("; it stays on the partitioned table and SUSPENDED", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal<(string?, string?)>(("SUSPENDED", "PARTITIONED"), await migration.ReadOrganizationAsync("srs-a"));

        // twin: --hide-target-writes routes it to legacy; it stays suspended, the write stays in the partitioned table
        var hidden = await RollbackAsync(plan, "srs-a", "--hide-target-writes");
        Assert.True(hidden.ExitCode == 0, hidden.ToString());
        Assert.Equal<(string?, string?)>(("SUSPENDED", "LEGACY"), await migration.ReadOrganizationAsync("srs-a"));
        Assert.Equal("x", (await migration.TargetAsync("srs-a"))["after-cutover"]);
    }

    [Fact]
    public async Task Cleanup_InterruptedRollback_MigratingOnPartitionedOrActiveOnLegacy_RefusedNothingDeleted_RestoredDeletes()
    {
        const string table = "SafetyCleanupInterrupted";
        var plan = await PlanAsync("cleanup-interrupted", table, ["sci-a"]);
        await CopyAsync(plan);
        Assert.Equal(0, (await CutoverAsync(plan, "sci-a")).ExitCode);

        // rollback stopped after writing MIGRATING: dataLocation is still PARTITIONED but the gateway answers 503
        await migration.SetStatusAsync("sci-a", "MIGRATING");
        var migrating = await migration.RunAsync(["cleanup", "--source", table, "--delete", "--plan", plan]);
        Assert.True(migrating.ExitCode == 1, migrating.ToString());
        Assert.Contains("not served from the partitioned table now (first: sci-a, status MIGRATING, dataLocation PARTITIONED", migrating.StandardError, StringComparison.Ordinal);
        Assert.Equal(3, (await migration.LegacyAsync(table, "sci-a")).Count);

        // rollback stopped after routing to legacy, before it recorded the rollback: the gateway serves legacy
        await SetLocationAsync("sci-a", "ACTIVE", "LEGACY");
        var legacy = await migration.RunAsync(["cleanup", "--source", table, "--delete", "--plan", plan]);
        Assert.True(legacy.ExitCode == 1, legacy.ToString());
        Assert.Contains("not served from the partitioned table now (first: sci-a, status ACTIVE, dataLocation LEGACY", legacy.StandardError, StringComparison.Ordinal);
        Assert.Equal(3, (await migration.LegacyAsync(table, "sci-a")).Count);

        // twin: ACTIVE on the partitioned table again → cleanup deletes
        await SetLocationAsync("sci-a", "ACTIVE", "PARTITIONED");
        var cleanup = await migration.RunAsync(["cleanup", "--source", table, "--delete", "--plan", plan]);
        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        Assert.Empty(await migration.LegacyAsync(table, "sci-a"));
        Assert.Equal(3, (await migration.TargetAsync("sci-a")).Count);
    }

    [Fact]
    public async Task Cutover_AgainAfterRollback_ItemTheFirstDeltaWroteChangedInLegacy_WrittenNotAConflict()
    {
        const string table = "SafetyRecutover";
        var plan = await PlanAsync("recutover", table, ["srr-a"]);
        await CopyAsync(plan);
        await PutLegacyAsync(table, "srr-a", "after-copy", "one"); // written by the first cutover's delta
        var first = await CutoverAsync(plan, "srr-a");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("delta for srr-a: 1 items written, 0 deleted", first.StandardOutput, StringComparison.Ordinal);
        var rolled = await RollbackAsync(plan, "srr-a");
        Assert.True(rolled.ExitCode == 0, rolled.ToString());
        await PutLegacyAsync(table, "srr-a", "after-copy", "two"); // changed on legacy after the rollback

        var again = await CutoverAsync(plan, "srr-a");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("delta for srr-a: 1 items written, 0 deleted", again.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("two", (await migration.TargetAsync("srr-a"))["after-copy"]);
        Assert.Equal<(string?, string?)>(("ACTIVE", "PARTITIONED"), await migration.ReadOrganizationAsync("srr-a"));
    }

    [Fact]
    public async Task Cleanup_TwoLegacyItemsMappingToOneTargetKey_BothQuarantinedNeverCopiedNorDeleted_TheOthersDeleted()
    {
        const string table = "SafetyDuplicateTargetKey";
        using (var admin = migration.Admin())
        {
            // keyed by applicationId + version: two versions of one application become one target key (organizationId, applicationId)
            await admin.CreateTableAsync(new CreateTableRequest
            {
                TableName = table,
                AttributeDefinitions = [new AttributeDefinition("applicationId", ScalarAttributeType.S), new AttributeDefinition("version", ScalarAttributeType.S)],
                KeySchema = [new KeySchemaElement("applicationId", KeyType.HASH), new KeySchemaElement("version", KeyType.RANGE)],
                BillingMode = BillingMode.PAY_PER_REQUEST,
            });
            await admin.PutItemAsync(new PutItemRequest { TableName = "Organizations", Item = new() { ["organizationId"] = new("sdk-a"), ["name"] = new("sdk-a"), ["status"] = new("ACTIVE") } });
            foreach (var (application, version) in new[] { ("sdk-a-dup", "1"), ("sdk-a-dup", "2"), ("sdk-a-app-1", "1"), ("sdk-a-app-2", "1") })
            {
                await admin.PutItemAsync(new PutItemRequest { TableName = table, Item = new(InProcessMigration.LegacyItem("sdk-a", application, "v" + version)) { ["version"] = new(version) } });
            }
        }

        var plan = Path.Combine(migration.Work, "duplicate-target-key.json");
        var planned = await migration.RunAsync(["plan", "--source", table, "--target", "Applications", "--organization-attribute", "orgId", "--plan", plan]);
        Assert.True(planned.ExitCode == 0, planned.ToString());
        Assert.Contains("2 items quarantined (duplicate target key: 2)", planned.StandardOutput, StringComparison.Ordinal);
        await CopyAsync(plan);
        var cutover = await CutoverAsync(plan, "sdk-a");
        Assert.True(cutover.ExitCode == 0, cutover.ToString());
        Assert.Equal(["sdk-a-app-1", "sdk-a-app-2"], (await migration.TargetAsync("sdk-a")).Keys.Order(StringComparer.Ordinal));

        var cleanup = await migration.RunAsync(["cleanup", "--source", table, "--delete", "--plan", plan]);

        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        Assert.Contains("deleted 2 migrated legacy items of 1 organizations from SafetyDuplicateTargetKey; 2 quarantined items kept", cleanup.StandardOutput, StringComparison.Ordinal);
        using (var admin = migration.Admin())
        {
            var left = (await admin.ScanAsync(new ScanRequest { TableName = table, ConsistentRead = true })).Items;
            Assert.Equal(["sdk-a-dup/1", "sdk-a-dup/2"], left.Select(i => i["applicationId"].S + "/" + i["version"].S).Order(StringComparer.Ordinal));
        }
    }
}
