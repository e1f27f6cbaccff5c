using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Verification;
using Gateway.Testing;

namespace Gateway.Tests.Cli;

/// <summary>
/// The built gateway binary's <c>verify --json</c> (Local environment) against a real LocalAws: every check listed,
/// canary items gone, and weakened setups fail the named check with exit 1.
/// </summary>
public sealed class VerifyCommandProcessTests
{
    private const string SourceIdentityCheck = "AssumeRole without SourceIdentity";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Binary_TrustRequiresSourceIdentity_EveryCheckPassesAndListedInJson()
    {
        // LocalAws with the tenant role's trust requiring a SourceIdentity (as the CloudFormation template does). Until
        // the gateway sends one in Organization scope too, User scope is the configuration that passes it.
        var config = Path.Combine(Path.GetTempPath(), $"localaws-strict-{Guid.NewGuid():N}.json");
        var root = JsonNode.Parse(await File.ReadAllTextAsync(RepoPaths.Combine("tools", "LocalAws", "appsettings.json")))!;
        root["LocalAws"]!["Roles"]![0]!["TrustPolicy"]!["Statement"]![0]!["Condition"] = new JsonObject { ["Null"] = new JsonObject { ["sts:SourceIdentity"] = "false" } };
        await File.WriteAllTextAsync(config, root.ToJsonString());
        try
        {
            await using var aws = await LocalAwsHost.StartAsync(new LocalAwsHostOptions { ConfigFile = config });
            using var admin = aws.CreateDynamoDbClient(aws.AdminCredentials);
            // A leftover of an interrupted run.
            await admin.PutItemAsync(new PutItemRequest { TableName = "Applications", Item = Item("zz-verify-a", VerificationPlan.CanaryPrefix + "interrupted") });

            var (run, json) = await VerifyAsync(aws, new() { ["TenantIsolation__CredentialScope"] = "User" });

            Assert.True(run.ExitCode == 0, run.ToString());
            var checks = json["checks"]!.AsArray();
            Assert.Equal(ExpectedNames(), checks.Select(c => (string)c!["name"]!));
            Assert.All(checks, c => Assert.True((bool)c!["passed"]!, c!.ToJsonString()));
            Assert.Equal(checks.Count, (int)json["passed"]!);
            Assert.Equal(0, (int)json["failed"]!);
            Assert.Equal("AccessDenied", (string)checks.Single(c => (string)c!["name"]! == SourceIdentityCheck)!["observed"]!);
            Assert.Contains($"{checks.Count} passed, 0 failed", run.StandardOutput, StringComparison.Ordinal);
            Assert.DoesNotContain(LocalAwsHost.GatewaySecretAccessKey, run.StandardOutput + run.StandardError, StringComparison.Ordinal);
            Assert.Empty(await CanaryItemsAsync(admin, "zz-verify-a"));
            Assert.Empty(await CanaryItemsAsync(admin, "zz-verify-b"));
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task Binary_TrustWithoutSourceIdentityCondition_FailsOnlyThatCheckExit1()
    {
        // LocalAws's JSON IAM (before it loads the template) does not require a SourceIdentity: verify must say so.
        await using var aws = await LocalAwsHost.StartAsync();

        var (run, json) = await VerifyAsync(aws, []);

        Assert.True(run.ExitCode == 1, run.ToString());
        var failed = json["checks"]!.AsArray().Where(c => !(bool)c!["passed"]!).ToList();
        var only = Assert.Single(failed);
        Assert.Equal(SourceIdentityCheck, (string)only!["name"]!);
        Assert.Equal("credentials issued", (string)only["observed"]!);
        Assert.Equal(1, (int)json["failed"]!);
        Assert.Equal(ExpectedNames(), json["checks"]!.AsArray().Select(c => (string)c!["name"]!));
    }

    [Fact]
    public async Task Binary_IndexNotPartitionedByOrganization_FailsNamedCheckExit1()
    {
        await using var aws = await LocalAwsHost.StartAsync();
        using var admin = aws.CreateDynamoDbClient(aws.AdminCredentials);
        await admin.CreateTableAsync(new CreateTableRequest
        {
            TableName = "Tickets",
            KeySchema = [new KeySchemaElement("organizationId", KeyType.HASH), new KeySchemaElement("ticketId", KeyType.RANGE)],
            AttributeDefinitions = [new("organizationId", ScalarAttributeType.S), new("ticketId", ScalarAttributeType.S), new("assigneeId", ScalarAttributeType.S)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
            GlobalSecondaryIndexes =
            [
                new GlobalSecondaryIndex
                {
                    IndexName = "ByAssignee",
                    KeySchema = [new KeySchemaElement("assigneeId", KeyType.HASH)],
                    Projection = new Projection { ProjectionType = ProjectionType.ALL },
                },
            ],
        });
        while ((await admin.DescribeTableAsync("Tickets")).Table.TableStatus != TableStatus.ACTIVE)
        {
            await Task.Delay(100);
        }

        var (run, json) = await VerifyAsync(aws, new()
        {
            ["TenantIsolation__Tables__Tickets__PartitionKey"] = "organizationId",
            ["TenantIsolation__Tables__Tickets__SortKey"] = "ticketId",
            ["TenantIsolation__Tables__Tickets__Indexes__0"] = "ByAssignee",
            ["TenantIsolation__PermissionSets__read-write__Tables__Tickets"] = "ReadWrite",
        });

        Assert.True(run.ExitCode == 1, run.ToString());
        var check = json["checks"]!.AsArray().Single(c => (string)c!["name"]! == "read-write zz-verify-a: Query Tickets/index/ByAssignee → zz-verify-a")!;
        Assert.False((bool)check["passed"]!, check.ToJsonString());
        Assert.Contains("FAIL", run.StandardOutput.Split('\n').Single(l => l.StartsWith("read-write zz-verify-a: Query Tickets/index/ByAssignee → zz-verify-a ", StringComparison.Ordinal)), StringComparison.Ordinal);
        // Its twin on the org-partitioned index passes.
        Assert.True((bool)json["checks"]!.AsArray().Single(c => (string)c!["name"]! == "read-write zz-verify-a: Query Applications/index/ByName → zz-verify-a")!["passed"]!);
    }

    private static async Task<(ProcessRun Run, JsonNode Json)> VerifyAsync(LocalAwsHost aws, Dictionary<string, string?> extra)
    {
        var file = Path.Combine(Path.GetTempPath(), $"verify-{Guid.NewGuid():N}.json");
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in TopologyEnvironment.Gateway(aws.Url, new Uri("http://127.0.0.1:9/")))
        {
            env[key] = value;
        }

        foreach (var (key, value) in extra)
        {
            env[key] = value;
        }

        try
        {
            var run = await ProcessHost.RunDotnetAsync([Built.Dll("src/Gateway", "Gateway"), "verify", "--json", file], env, RepoPaths.Root, Timeout);
            Assert.True(File.Exists(file), run.ToString());
            return (run, JsonNode.Parse(await File.ReadAllTextAsync(file))!);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The checks for the shipped configuration (Applications with its ByName index; read-only and read-write), in order.</summary>
    private static List<string> ExpectedNames()
    {
        var options = new TenantIsolationOptions
        {
            Tables = new() { ["Applications"] = new TenantTableOptions { SortKey = "applicationId", Indexes = ["ByName"] } },
            PermissionSets = new()
            {
                ["read-write"] = new PermissionSetOptions { Tables = new() { ["Applications"] = TableAccessLevel.ReadWrite } },
                ["read-only"] = new PermissionSetOptions { Tables = new() { ["Applications"] = TableAccessLevel.Read } },
            },
        };
        var plan = VerificationPlan.Create(options);
        var names = new List<string>
        {
            "gateway identity (GetCallerIdentity)",
            "gateway identity: GetItem Applications → zz-verify-a",
            "worst-case session policy read-only",
            "worst-case session policy read-write",
            SourceIdentityCheck,
        };
        names.AddRange(plan.Sessions.Select(s => $"{s.PermissionSet} {s.Organization}: AssumeRole with the session policy"));
        names.AddRange(plan.Sessions.SelectMany(s => s.Probes).Select(p => p.Name));
        names.Add("read-write zz-verify-a: canary items removed from Applications");
        names.Add("read-write zz-verify-b: canary items removed from Applications");
        return names;
    }

    private static Dictionary<string, AttributeValue> Item(string organization, string applicationId) => new()
    {
        ["organizationId"] = new(organization),
        ["applicationId"] = new(applicationId),
    };

    private static async Task<List<Dictionary<string, AttributeValue>>> CanaryItemsAsync(AmazonDynamoDBClient admin, string organization)
    {
        var response = await admin.QueryAsync(new QueryRequest
        {
            TableName = "Applications",
            KeyConditionExpression = "organizationId = :o AND begins_with(applicationId, :p)",
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":o"] = new(organization), [":p"] = new(VerificationPlan.CanaryPrefix) },
            ConsistentRead = true,
        });
        return response.Items;
    }
}
