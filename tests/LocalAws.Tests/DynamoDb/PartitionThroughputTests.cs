using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Testing;

namespace LocalAws.Tests.DynamoDb;

/// <summary>
/// LocalAws's per-partition-key budget with the real DynamoDB SDK client (no retries), on its own LocalAws with a small
/// budget (4 write units and 4 read units per second per key value) so the effect shows without a load generator: over
/// the budget a key gets ProvisionedThroughputExceededException (HTTP 400, nothing written), another key at the same
/// moment is unaffected, and requests under the budget are fine.
/// </summary>
public sealed class PartitionThroughputTests : IAsyncLifetime
{
    private const int Budget = 4;
    private const string Table = "Applications";

    private LocalAwsHost _host = null!;
    private AmazonDynamoDBClient _admin = null!;

    public async Task InitializeAsync()
    {
        _host = await LocalAwsHost.StartAsync(LocalAwsHostOptions.BroadIam with { PartitionWriteUnits = Budget, PartitionReadUnits = Budget });
        _admin = _host.CreateDynamoDbClient(_host.AdminCredentials);
    }

    public async Task DisposeAsync()
    {
        _admin?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private static Dictionary<string, AttributeValue> Item(string partition, string app, int bytes = 0)
    {
        var item = new Dictionary<string, AttributeValue> { ["organizationId"] = new() { S = partition }, ["applicationId"] = new() { S = app } };
        if (bytes > 0)
        {
            item["payload"] = new AttributeValue { S = new string('p', bytes) };
        }

        return item;
    }

    private static long Second() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Waits for the start of a fresh wall-clock second, so a short burst lands in one budget window.</summary>
    private static async Task FreshSecondAsync()
    {
        var now = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromMilliseconds(1000 - now.Millisecond + 5));
    }

    /// <summary>Success, or the throttling error (anything else fails the test).</summary>
    private static async Task<bool> AdmittedAsync(Func<Task> call)
    {
        try
        {
            await call();
            return true;
        }
        catch (AmazonDynamoDBException e) when (e.ErrorCode == "ProvisionedThroughputExceededException")
        {
            Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
            Assert.IsType<ProvisionedThroughputExceededException>(e);
            return false;
        }
    }

    [Fact]
    public async Task PutItem_OverTheKeysWriteBudget_Throttled_NothingWritten_OtherKeyUnaffected()
    {
        var start = Second();
        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            AdmittedAsync(() => _admin.PutItemAsync(new PutItemRequest { TableName = Table, Item = Item("hot", $"w-{i}") }))));
        var seconds = Second() - start + 1;
        // The same moment: the hot key is still over budget (or refused again), another key is admitted.
        var other = await AdmittedAsync(() => _admin.PutItemAsync(new PutItemRequest { TableName = Table, Item = Item("cold", "w-0") }));

        Assert.Contains(false, results);
        Assert.InRange(results.Count(r => r), 1, Budget * seconds);
        Assert.True(other);
        var written = await _admin.QueryAsync(new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "organizationId = :o",
            ExpressionAttributeValues = new() { [":o"] = new AttributeValue { S = "hot" } },
        });
        Assert.Equal(results.Count(r => r), written.Items.Count);
        Assert.True((await _host.GetStatsAsync()).Throttled >= results.Count(r => !r));
    }

    /// <summary>Under the budget: a few writes in one second, each admitted (the allow twin of the test above).</summary>
    [Fact]
    public async Task PutItem_UnderTheBudget_AllAdmitted()
    {
        await FreshSecondAsync();
        for (var i = 0; i < Budget - 1; i++)
        {
            Assert.True(await AdmittedAsync(() => _admin.PutItemAsync(new PutItemRequest { TableName = Table, Item = Item("steady", $"u-{i}") })));
        }
    }

    /// <summary>Units follow the item size: a 3 KB item costs 3 write units, so two of them in one second exceed 4.</summary>
    [Fact]
    public async Task PutItem_LargeItems_CostOneUnitPerKilobyte()
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await FreshSecondAsync();
            var start = Second();
            var first = await AdmittedAsync(() => _admin.PutItemAsync(new PutItemRequest { TableName = Table, Item = Item($"large-{attempt}", "a", bytes: 2_900) }));
            var second = await AdmittedAsync(() => _admin.PutItemAsync(new PutItemRequest { TableName = Table, Item = Item($"large-{attempt}", "b", bytes: 2_900) }));
            if (Second() != start)
            {
                continue; // the two writes straddled a second: try again
            }

            Assert.True(first);
            Assert.False(second);
            return;
        }

        Assert.Fail("Two writes never landed in one second (machine too slow).");
    }

    [Fact]
    public async Task Reads_OverTheKeysReadBudget_Throttled_OtherKeyUnaffected()
    {
        await _admin.PutItemAsync(new PutItemRequest { TableName = Table, Item = Item("read-hot", "r") });
        await _admin.PutItemAsync(new PutItemRequest { TableName = Table, Item = Item("read-cold", "r") });
        await FreshSecondAsync();

        // Strongly consistent: at least 1 unit each, so at most 4 of the 40 are admitted in one second.
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ =>
            AdmittedAsync(() => _admin.GetItemAsync(new GetItemRequest { TableName = Table, Key = Item("read-hot", "r"), ConsistentRead = true }))));
        var query = await AdmittedAsync(() => _admin.QueryAsync(new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "organizationId = :o",
            ExpressionAttributeValues = new() { [":o"] = new AttributeValue { S = "read-cold" } },
        }));

        Assert.Contains(false, results);
        Assert.Contains(true, results);
        Assert.True(query);
    }
}
