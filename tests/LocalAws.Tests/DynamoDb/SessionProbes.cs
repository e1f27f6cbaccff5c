using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace LocalAws.Tests.DynamoDb;

/// <summary>
/// The item probes a tenant session is put through by <see cref="ShardedSessionTests"/> (session policy) and
/// <see cref="AbacSessionTests"/> (ABAC role policy): its own key written, read and queried; a look-alike key refused on
/// PutItem, GetItem, Query and a BatchGetItem mixing it with an own key, with nothing written, beside a write to an own
/// key that succeeds (the allow twin).
/// </summary>
internal static class SessionProbes
{
    private const string Table = LocalAwsFixture.Table;

    public static Dictionary<string, AttributeValue> Key(string partition, string app)
        => new() { ["organizationId"] = new() { S = partition }, ["applicationId"] = new() { S = app } };

    public static async Task DeniedAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(call);
        Assert.Equal("AccessDeniedException", e.ErrorCode);
    }

    /// <summary>Writes item <paramref name="app"/> under <paramref name="partition"/>, reads it back and finds it by a Query of the partition (on <paramref name="index"/> when given).</summary>
    public static async Task WriteReadQueryAsync(IAmazonDynamoDB client, string partition, string app, string? index = null)
    {
        var item = Key(partition, app);
        item["name"] = new AttributeValue { S = partition };

        await client.PutItemAsync(new PutItemRequest { TableName = Table, Item = item });
        var read = await client.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(partition, app) });
        var query = await client.QueryAsync(new QueryRequest
        {
            TableName = Table,
            IndexName = index,
            KeyConditionExpression = "organizationId = :o",
            ExpressionAttributeValues = new() { [":o"] = new AttributeValue { S = partition } },
        });

        Assert.Equal(partition, read.Item["name"].S);
        Assert.Contains(query.Items, i => i["applicationId"].S == app);
    }

    /// <summary>
    /// <paramref name="partition"/> refused on PutItem, GetItem, Query and a mixed BatchGetItem; then item
    /// <paramref name="twinApp"/> written under the own key <paramref name="ownPartition"/> (allowed). Read with
    /// <paramref name="admin"/>: nothing under <paramref name="partition"/>, the twin stored.
    /// </summary>
    public static async Task LookAlikeDeniedOwnTwinAllowedAsync(IAmazonDynamoDB client, IAmazonDynamoDB admin, string partition, string app, string ownPartition, string twinApp)
    {
        var twin = Key(ownPartition, twinApp);

        await DeniedAsync(() => client.PutItemAsync(new PutItemRequest { TableName = Table, Item = Key(partition, app) }));
        await DeniedAsync(() => client.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(partition, app) }));
        await DeniedAsync(() => client.QueryAsync(new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "organizationId = :o",
            ExpressionAttributeValues = new() { [":o"] = new AttributeValue { S = partition } },
        }));
        await DeniedAsync(() => client.BatchGetItemAsync(new BatchGetItemRequest
        {
            RequestItems = new() { [Table] = new KeysAndAttributes { Keys = [Key(ownPartition, "x"), Key(partition, "x")] } },
        }));
        await client.PutItemAsync(new PutItemRequest { TableName = Table, Item = twin });

        Assert.False((await admin.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(partition, app) })).IsItemSet);
        Assert.True((await admin.GetItemAsync(new GetItemRequest { TableName = Table, Key = twin })).IsItemSet);
    }
}
