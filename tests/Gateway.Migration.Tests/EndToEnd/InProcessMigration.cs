using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Migration.Cli;
using Gateway.Migration.Invocation;
using Gateway.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>
/// The migration verbs run in-process (<see cref="MigrationCli.RunAsync(string[], TextWriter, TextWriter, bool, TimeProvider, Func{CommandLine, IAmazonDynamoDB}, CancellationToken)"/>)
/// against one LocalAws, as the operator (admin), with the repository's gateway configuration for the Local environment
/// (copied into a directory as <c>appsettings.json</c> + <c>appsettings.Production.json</c>, so no process environment
/// variable is needed). Waits (cutover, rollback) run on a <see cref="FakeTimeProvider"/> that the runner advances.
/// </summary>
public sealed class InProcessMigration : IAsyncLifetime
{
    public LocalAwsHost Aws { get; private set; } = null!;

    public string Work { get; } = Directory.CreateTempSubdirectory("migration-inproc-").FullName;

    private string GatewayConfig => Path.Combine(Work, "gateway-config");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(GatewayConfig);
        File.Copy(Path.Combine(RepoPaths.Root, "appsettings.json"), Path.Combine(GatewayConfig, "appsettings.json"));
        File.Copy(Path.Combine(RepoPaths.Root, "appsettings.Local.json"), Path.Combine(GatewayConfig, "appsettings.Production.json"));
        Aws = await LocalAwsHost.StartAsync(new LocalAwsHostOptions { Seed = false });
    }

    public async Task DisposeAsync()
    {
        await Aws.DisposeAsync();
        Directory.Delete(Work, recursive: true);
    }

    public AmazonDynamoDBClient Admin() => Aws.CreateDynamoDbClient(Aws.AdminCredentials, c => c.MaxErrorRetry = 3);

    /// <summary>The operator's client whose Query calls after the first <paramref name="queries"/> fail (InternalServerError).</summary>
    public FailingDynamoDb AdminFailingAfter(int queries)
        => new(Aws.AdminCredentials, new AmazonDynamoDBConfig { ServiceURL = Aws.Url.ToString(), AuthenticationRegion = LocalAwsHost.Region, MaxErrorRetry = 3 }, queries);

    public sealed record Run(int ExitCode, string StandardOutput, string StandardError)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
    }

    /// <summary>
    /// Runs one verb; its waits end when <paramref name="whileWaiting"/> (if any) has run and the fake clock is advanced past
    /// them. <paramref name="dynamoDb"/> replaces the operator's client (e.g. <see cref="FailingDynamoDb"/>: an AWS failure
    /// part way, after which the verb's checkpoint is what a re-run resumes from).
    /// </summary>
    public async Task<Run> RunAsync(string[] args, Func<Task>? whileWaiting = null, string? waitFor = null, Func<IAmazonDynamoDB>? dynamoDb = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        string[] all = [.. args, "--endpoint", Aws.Url.ToString(), "--gateway-config", GatewayConfig];
        var task = Task.Run(() => MigrationCli.RunAsync(all, TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), false, time, _ => dynamoDb?.Invoke() ?? Admin(), CancellationToken.None, _ => Aws.CreateStsClient(Aws.AdminCredentials)));
        if (whileWaiting is not null && waitFor is not null)
        {
            // The verb has written MIGRATING and waits on the fake clock: act inside the window.
            await WaitForStatusAsync(waitFor, "MIGRATING", task);
            if (!task.IsCompleted)
            {
                await whileWaiting();
            }
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!task.IsCompleted && DateTime.UtcNow < deadline)
        {
            time.Advance(TimeSpan.FromSeconds(15));
            await Task.WhenAny(task, Task.Delay(20));
        }

        var exit = await task.WaitAsync(TimeSpan.FromSeconds(5));
        return new Run(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// <c>reshard --organization X --shards N</c> in-process with the crash hook: <paramref name="step"/> sees every named
    /// step (<see cref="Gateway.Migration.Resharding.ReshardCommand.Steps"/>) and may throw to end the run there, as a kill would.
    /// </summary>
    public async Task<Run> ReshardAsync(string organization, string shards, Func<string, Task>? step = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        string[] args = ["--organization", organization, "--shards", shards, "--endpoint", Aws.Url.ToString(), "--gateway-config", GatewayConfig];
        var line = CommandLine.Parse("reshard", args, Gateway.Migration.Resharding.ReshardCommand.Options, Gateway.Migration.Resharding.ReshardCommand.Flags);
        using var admin = Admin();
        var task = Task.Run(() => Gateway.Migration.Resharding.ReshardCommand.RunAsync(line, admin, TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), time, CancellationToken.None, step));
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!task.IsCompleted && DateTime.UtcNow < deadline)
        {
            time.Advance(TimeSpan.FromSeconds(15));
            await Task.WhenAny(task, Task.Delay(20));
        }

        var exit = await task.WaitAsync(TimeSpan.FromSeconds(5));
        return new Run(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// The gateway binary (<c>Gateway.dll VERB …</c>: revoke, evict) against this LocalAws, as LocalAws's <c>operator</c> user
    /// (revoke's identity, never the gateway's keys), with <paramref name="environment"/> on top (e.g. a redis-server).
    /// </summary>
    public Task<ProcessRun> RunGatewayAsync(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in TopologyEnvironment.Gateway(Aws.Url, new Uri("http://127.0.0.1:9/")))
        {
            env[key] = value;
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            env[key] = value;
        }

        env["AWS_ACCESS_KEY_ID"] = LocalAwsHost.OperatorAccessKeyId;
        env["AWS_SECRET_ACCESS_KEY"] = LocalAwsHost.OperatorSecretAccessKey;
        env["AWS_PROFILE"] = null;
        return ProcessHost.RunDotnetAsync([Built.Dll("src/Gateway", "Gateway"), .. args], env, RepoPaths.Root, TimeSpan.FromMinutes(2));
    }

    /// <summary>The raw Applications items in every key an organization can have (unsharded and 64 shards cover every count), by (partition, applicationId).</summary>
    public async Task<SortedDictionary<(string Partition, string Id), string>> RawShardsAsync(string organization)
    {
        using var admin = Admin();
        var all = new SortedDictionary<(string Partition, string Id), string>();
        foreach (var key in Backend.DynamoDb.TenantShards.PartitionKeys(organization, 64).Prepend(organization))
        {
            var request = new QueryRequest
            {
                TableName = "Applications",
                KeyConditionExpression = "organizationId = :o",
                ExpressionAttributeValues = new() { [":o"] = new(key) },
                ConsistentRead = true,
            };
            do
            {
                var page = await admin.QueryAsync(request);
                foreach (var item in page.Items ?? [])
                {
                    all[(key, item["applicationId"].S)] = item.TryGetValue("name", out var n) ? n.S : string.Empty;
                }

                request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (request.ExclusiveStartKey is not null);
        }

        return all;
    }

    public async Task WaitForStatusAsync(string organization, string status, Task running)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!running.IsCompleted && DateTime.UtcNow < deadline && (await ReadOrganizationAsync(organization)).Status != status)
        {
            await Task.Delay(20);
        }
    }

    /// <summary>A legacy table keyed by applicationId, organization in orgId: <paramref name="perOrganization"/> items for each organization, which is ACTIVE in Organizations.</summary>
    public async Task CreateLegacyAsync(string table, IReadOnlyList<string> organizations, int perOrganization)
    {
        using var admin = Admin();
        await admin.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            AttributeDefinitions = [new AttributeDefinition("applicationId", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("applicationId", KeyType.HASH)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });
        foreach (var organization in organizations)
        {
            await admin.PutItemAsync(new PutItemRequest { TableName = "Organizations", Item = new() { ["organizationId"] = new(organization), ["name"] = new(organization), ["status"] = new("ACTIVE") } });
            for (var n = 0; n < perOrganization; n++)
            {
                await admin.PutItemAsync(new PutItemRequest { TableName = table, Item = LegacyItem(organization, string.Create(CultureInfo.InvariantCulture, $"{organization}-app-{n}"), "v0") });
            }
        }
    }

    public static Dictionary<string, AttributeValue> LegacyItem(string organization, string applicationId, string name) => new()
    {
        ["applicationId"] = new(applicationId),
        ["orgId"] = new(organization),
        ["name"] = new(name),
    };

    /// <summary>The target form of <see cref="LegacyItem"/> (what copy writes, and what a partitioned backend writes).</summary>
    public static Dictionary<string, AttributeValue> TargetItem(string organization, string applicationId, string name)
        => new(LegacyItem(organization, applicationId, name)) { ["organizationId"] = new(organization) };

    public async Task<(string? Status, string? Location)> ReadOrganizationAsync(string organization)
    {
        using var admin = Admin();
        var item = (await admin.GetItemAsync(new GetItemRequest { TableName = "Organizations", Key = new() { ["organizationId"] = new(organization) }, ConsistentRead = true })).Item;
        return item is null ? (null, null) : (item.TryGetValue("status", out var s) ? s.S : null, item.TryGetValue("dataLocation", out var l) ? l.S : null);
    }

    public async Task SetStatusAsync(string organization, string status)
    {
        using var admin = Admin();
        await admin.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = "Organizations",
            Key = new() { ["organizationId"] = new(organization) },
            UpdateExpression = "SET #s = :s",
            ExpressionAttributeNames = new() { ["#s"] = "status" },
            ExpressionAttributeValues = new() { [":s"] = new(status) },
        });
    }

    /// <summary>applicationId → name of one organization's items in the target table.</summary>
    public async Task<Dictionary<string, string>> TargetAsync(string organization)
    {
        using var admin = Admin();
        var items = new Dictionary<string, string>(StringComparer.Ordinal);
        var request = new QueryRequest
        {
            TableName = "Applications",
            KeyConditionExpression = "organizationId = :o",
            ExpressionAttributeValues = new() { [":o"] = new(organization) },
            ConsistentRead = true,
        };
        do
        {
            var page = await admin.QueryAsync(request);
            foreach (var item in page.Items ?? [])
            {
                items[item["applicationId"].S] = item.TryGetValue("name", out var n) ? n.S : string.Empty;
            }

            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);
        return items;
    }

    /// <summary>applicationId → name of one organization's items in a legacy table.</summary>
    public async Task<Dictionary<string, string>> LegacyAsync(string table, string organization)
    {
        using var admin = Admin();
        var items = new Dictionary<string, string>(StringComparer.Ordinal);
        var request = new ScanRequest
        {
            TableName = table,
            ConsistentRead = true,
            FilterExpression = "orgId = :o",
            ExpressionAttributeValues = new() { [":o"] = new(organization) },
        };
        do
        {
            var page = await admin.ScanAsync(request);
            foreach (var item in page.Items ?? [])
            {
                items[item["applicationId"].S] = item.TryGetValue("name", out var n) ? n.S : string.Empty;
            }

            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);
        return items;
    }
}
