using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Testing;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>
/// The migration CLI as a process against LocalAws on a small legacy table (20 organizations × 5 items + 20
/// unassignable): bad input is one line on stderr, exit 2 and nothing written (each with its allow twin); copy of
/// selected organizations; cleanup refuses until every organization validated, then reports, then deletes only
/// migrated legacy items.
/// </summary>
public sealed class MigrationCommandTests(MigrationCommandTests.Fixture fixture) : IClassFixture<MigrationCommandTests.Fixture>
{
    private const int Organizations = 20;
    private const int PerOrganization = 5;

    /// <summary>Another target with the Applications key schema, for the tests that must not see the cleanup test's copy.</summary>
    private const string SecondTarget = "ApplicationsCopy";

    /// <summary>The cleanup test's own legacy table (it deletes from it).</summary>
    private const string CleanupSource = "LegacyForCleanup";

    private LocalAwsHost _aws => fixture.Aws;

    private string _work => fixture.Work;

    private MigrationRunner _migration => fixture.Migration;

    /// <summary>One LocalAws with the legacy table for the whole class; every test uses its own plan and checkpoint files.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public LocalAwsHost Aws { get; private set; } = null!;

        public string Work { get; } = Directory.CreateTempSubdirectory("migration-cli-").FullName;

        public MigrationRunner Migration { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Aws = await LocalAwsHost.StartAsync(new LocalAwsHostOptions { Seed = false });
            using var admin = Aws.CreateDynamoDbClient(Aws.AdminCredentials, c => c.MaxErrorRetry = 3);
            await LegacyData.CreateAsync(admin, Organizations, PerOrganization);
            await LegacyData.CreateAsync(admin, Organizations, PerOrganization, table: CleanupSource);
            await admin.CreateTableAsync(new CreateTableRequest
            {
                TableName = SecondTarget,
                AttributeDefinitions = [new AttributeDefinition("organizationId", ScalarAttributeType.S), new AttributeDefinition("applicationId", ScalarAttributeType.S)],
                KeySchema = [new KeySchemaElement("organizationId", KeyType.HASH), new KeySchemaElement("applicationId", KeyType.RANGE)],
                BillingMode = BillingMode.PAY_PER_REQUEST,
            });
            Migration = new MigrationRunner(Aws, Work);
        }

        public async Task DisposeAsync()
        {
            await Aws.DisposeAsync();
            Directory.Delete(Work, recursive: true);
        }
    }

    private Task<ProcessRun> PlanAsync(string planFile, string source = LegacyData.Table, string target = "Applications", string attribute = LegacyData.OrganizationAttribute)
        => _migration.RunAsync("plan", "--source", source, "--target", target, "--organization-attribute", attribute, "--plan", planFile);

    private void AssertBadInput(ProcessRun run, string expected, string file)
    {
        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_work, file)), $"{file} was written");
    }

    [Fact]
    public async Task Plan_UnknownSourceTable_Exit2OneLineNothingWritten()
        => AssertBadInput(await PlanAsync("unknown.json", source: "NoSuchTable"), "unknown table 'NoSuchTable'", "unknown.json");

    [Fact]
    public async Task Plan_TargetKeySchemaDoesNotFitTheItems_Exit2OneLineNothingWritten()
        => AssertBadInput(await PlanAsync("schema.json", target: "OrganizationUsers"), "wrong key schema", "schema.json");

    [Fact]
    public async Task Plan_AttributeNoItemHas_Exit2OneLineNothingWritten()
        => AssertBadInput(await PlanAsync("attribute.json", attribute: "tenant"), "no item of 'LegacyApplications' has the attribute 'tenant'", "attribute.json");

    [Fact]
    public async Task Plan_InvalidAttributeName_Exit2OneLineNothingWritten()
        => AssertBadInput(await PlanAsync("name.json", attribute: " orgId"), "is not a valid attribute name", "name.json");

    [Fact]
    public async Task Plan_GoodInput_Exit0WritesThePlan()
    {
        var run = await PlanAsync("good.json");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var plan = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_work, "good.json")));
        Assert.Equal(Organizations * PerOrganization, plan.RootElement.GetProperty("assignedItems").GetInt64());
        Assert.Equal(LegacyData.Unassignable, plan.RootElement.GetProperty("quarantine").GetArrayLength());
    }

    [Fact]
    public async Task Copy_UnreadableCheckpoint_Exit2OneLineNothingCopied()
    {
        Assert.Equal(0, (await PlanAsync("for-checkpoint.json", target: SecondTarget)).ExitCode);
        var checkpoint = Path.Combine(_work, "broken.checkpoint");
        await File.WriteAllTextAsync(checkpoint, "{ not json");

        var run = await _migration.RunAsync("copy", "--organizations", LegacyData.Organization(3), "--checkpoint", checkpoint, "--plan", "for-checkpoint.json");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("unreadable checkpoint", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.Equal("{ not json", await File.ReadAllTextAsync(checkpoint));
        Assert.Equal(0, await CountTargetAsync(LegacyData.Organization(3), SecondTarget));

        // twin: a fresh checkpoint copies exactly that organization
        var twin = await _migration.RunAsync("copy", "--organizations", LegacyData.Organization(3), "--checkpoint", "fresh.checkpoint", "--plan", "for-checkpoint.json");
        Assert.True(twin.ExitCode == 0, twin.ToString());
        Assert.Equal(PerOrganization, await CountTargetAsync(LegacyData.Organization(3), SecondTarget));
        Assert.Equal(0, await CountTargetAsync(LegacyData.Organization(4), SecondTarget));
    }

    [Fact]
    public async Task Copy_OrganizationNotInThePlan_Exit2()
    {
        Assert.Equal(0, (await PlanAsync("for-selection.json")).ExitCode);

        var run = await _migration.RunAsync("copy", "--organizations", "org-9999", "--checkpoint", "never.checkpoint", "--plan", "for-selection.json");

        AssertBadInput(run, "organization 'org-9999' is not in the plan", "never.checkpoint");
    }

    [Fact]
    public async Task Cleanup_RefusedWhileOrganizationsAreNotCutOver_ValidatedOrNot_NothingDeleted()
    {
        Assert.Equal(0, (await PlanAsync("cleanup.json", source: CleanupSource)).ExitCode);
        var copy = await _migration.RunAsync("copy", "--all", "--checkpoint", "cleanup.checkpoint", "--plan", "cleanup.json");
        Assert.True(copy.ExitCode == 0, copy.ToString());
        var partial = await _migration.RunAsync("validate", "--organizations", $"{LegacyData.Organization(1)},{LegacyData.Organization(2)}", "--report", "partial", "--plan", "cleanup.json");
        Assert.True(partial.ExitCode == 0, partial.ToString());

        var refused = await _migration.RunAsync("cleanup", "--source", CleanupSource, "--delete", "--plan", "cleanup.json");
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("20 of 20 organizations of the plan are not cut over and validated at their cutover (first: org-0001, validated but not cut over (or rolled back))", Assert.Single(refused.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(Organizations * PerOrganization + LegacyData.Unassignable, await CountLegacyAsync(CleanupSource));

        // Every organization validated is not enough: the gateway still serves their legacy items (the cleanup-then-cutover
        // sequence of issue 20 deleted them all). The delete path is in MigrationSafetyTests.
        var validate = await _migration.RunAsync("validate", "--report", "all.md", "--plan", "cleanup.json");
        Assert.True(validate.ExitCode == 0, validate.ToString());
        var stillRefused = await _migration.RunAsync("cleanup", "--source", CleanupSource, "--delete", "--plan", "cleanup.json");
        Assert.True(stillRefused.ExitCode == 1, stillRefused.ToString());
        Assert.Contains("20 of 20 organizations of the plan are not cut over", Assert.Single(stillRefused.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(Organizations * PerOrganization + LegacyData.Unassignable, await CountLegacyAsync(CleanupSource));
    }

    [Fact]
    public async Task Rollback_SuspendedOrganization_RoutedToLegacyStaysSuspended_ActiveOneActiveAgain()
    {
        Assert.Equal(0, (await PlanAsync("rollback.json")).ExitCode);
        var suspended = LegacyData.Organization(3);
        var active = LegacyData.Organization(4);
        await SetOrganizationAsync(suspended, "SUSPENDED", "PARTITIONED");
        await SetOrganizationAsync(active, "MIGRATING", "PARTITIONED");

        var suspendedRun = await _migration.RunAsync("rollback", "--organization", suspended, "--plan", "rollback.json");
        var activeRun = await _migration.RunAsync("rollback", "--organization", active, "--plan", "rollback.json");

        Assert.True(suspendedRun.ExitCode == 0, suspendedRun.ToString());
        Assert.Equal(("SUSPENDED", "LEGACY"), await ReadOrganizationAsync(suspended));
        Assert.True(activeRun.ExitCode == 0, activeRun.ToString());
        Assert.Equal(("ACTIVE", "LEGACY"), await ReadOrganizationAsync(active));
    }

    [Fact]
    public async Task Cutover_OrganizationAlreadyPartitioned_Exit2OneLineStatusUntouched()
    {
        Assert.Equal(0, (await PlanAsync("recut.json")).ExitCode);
        var organization = LegacyData.Organization(5);
        await SetOrganizationAsync(organization, "ACTIVE", "PARTITIONED");

        var run = await _migration.RunAsync("cutover", "--organization", organization, "--plan", "recut.json");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("already on the partitioned table", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(("ACTIVE", "PARTITIONED"), await ReadOrganizationAsync(organization));
    }

    private async Task SetOrganizationAsync(string organization, string status, string location)
    {
        using var admin = _aws.CreateDynamoDbClient(_aws.AdminCredentials);
        await admin.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = "Organizations",
            Key = new() { ["organizationId"] = new(organization) },
            UpdateExpression = "SET #s = :s, dataLocation = :l",
            ExpressionAttributeNames = new() { ["#s"] = "status" },
            ExpressionAttributeValues = new() { [":s"] = new(status), [":l"] = new(location) },
        });
    }

    private async Task<(string? Status, string? Location)> ReadOrganizationAsync(string organization)
    {
        using var admin = _aws.CreateDynamoDbClient(_aws.AdminCredentials);
        var item = (await admin.GetItemAsync(new GetItemRequest
        {
            TableName = "Organizations",
            Key = new() { ["organizationId"] = new(organization) },
            ConsistentRead = true,
        })).Item;
        return (item.TryGetValue("status", out var s) ? s.S : null, item.TryGetValue("dataLocation", out var l) ? l.S : null);
    }

    private async Task<int> CountTargetAsync(string organization, string table = "Applications")
    {
        using var admin = _aws.CreateDynamoDbClient(_aws.AdminCredentials);
        var response = await admin.QueryAsync(new QueryRequest
        {
            TableName = table,
            KeyConditionExpression = "organizationId = :o",
            ExpressionAttributeValues = new() { [":o"] = new(organization) },
            ConsistentRead = true,
        });
        return response.Count ?? 0;
    }

    private async Task<int> CountLegacyAsync(string table)
    {
        using var admin = _aws.CreateDynamoDbClient(_aws.AdminCredentials);
        var count = 0;
        var request = new ScanRequest { TableName = table, ConsistentRead = true };
        do
        {
            var page = await admin.ScanAsync(request);
            count += page.Count ?? 0;
            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);
        return count;
    }
}
