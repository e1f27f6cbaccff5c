using Amazon.DynamoDBv2.Model;
using Gateway.Backend.DynamoDb;

namespace Gateway.Backend.Tests.DynamoDb;

public sealed class TenantTableTests
{
    [Fact]
    public async Task QueryAsync_AlwaysConditionsOnCallersPartition()
    {
        var (client, recorder) = RecordingDynamoDb.Create();
        recorder.Respond = _ => new QueryResponse { Items = [Item("app-1")] };
        var table = new TenantTable(client, "acme", "Applications");

        var items = await table.QueryAsync();

        var request = Assert.IsType<QueryRequest>(Assert.Single(recorder.Requests));
        Assert.Equal("Applications", request.TableName);
        Assert.Equal("#tenant_pk = :tenant_pk", request.KeyConditionExpression);
        Assert.Equal("organizationId", request.ExpressionAttributeNames["#tenant_pk"]);
        Assert.Equal("acme", request.ExpressionAttributeValues[":tenant_pk"].S);
        Assert.Single(items);
    }

    [Fact]
    public async Task QueryAsync_SortKeyConditionIsAndedWithPartition()
    {
        var (client, recorder) = RecordingDynamoDb.Create();
        recorder.Respond = _ => new QueryResponse { Items = [] };
        var table = new TenantTable(client, "acme", "Applications");

        await table.QueryAsync(new TenantQuery
        {
            IndexName = "ByName",
            SortKeyCondition = "begins_with(#n, :p)",
            Names = new Dictionary<string, string> { ["#n"] = "name" },
            Values = new Dictionary<string, AttributeValue> { [":p"] = new() { S = "Acme" } },
        });

        var request = Assert.IsType<QueryRequest>(Assert.Single(recorder.Requests));
        Assert.Equal("#tenant_pk = :tenant_pk AND (begins_with(#n, :p))", request.KeyConditionExpression);
        Assert.Equal("ByName", request.IndexName);
        Assert.Equal("acme", request.ExpressionAttributeValues[":tenant_pk"].S);
        Assert.Equal("Acme", request.ExpressionAttributeValues[":p"].S);
    }

    [Fact]
    public async Task QueryAsync_OverridingTheReservedPlaceholder_Throws()
    {
        var (client, recorder) = RecordingDynamoDb.Create();
        var table = new TenantTable(client, "acme", "Applications");

        await Assert.ThrowsAsync<ArgumentException>(() => table.QueryAsync(new TenantQuery
        {
            Values = new Dictionary<string, AttributeValue> { [":tenant_pk"] = new() { S = "globex" } },
        }));
        Assert.Empty(recorder.Requests);
    }

    [Fact]
    public async Task QueryAsync_FollowsPagesUpToLimit()
    {
        var (client, recorder) = RecordingDynamoDb.Create();
        var pages = 0;
        recorder.Respond = _ => new QueryResponse
        {
            Items = [Item($"app-{++pages}a"), Item($"app-{pages}b")],
            LastEvaluatedKey = new Dictionary<string, AttributeValue> { ["organizationId"] = new() { S = "acme" }, ["applicationId"] = new() { S = $"app-{pages}b" } },
        };
        var table = new TenantTable(client, "acme", "Applications");

        var items = await table.QueryAsync(new TenantQuery { Limit = 5 });

        Assert.Equal(3, recorder.Requests.Count);
        Assert.Equal(5, items.Count); // the fake ignores Limit; the table still returns no more than asked
        Assert.Equal(1, ((QueryRequest)recorder.Requests[^1]).Limit);
    }

    [Fact]
    public async Task PutItemAsync_SetsPartitionKeyToCallersOrganization()
    {
        var (client, recorder) = RecordingDynamoDb.Create();
        recorder.Respond = _ => new PutItemResponse();
        var table = new TenantTable(client, "acme", "Applications");

        await table.PutItemAsync(new Dictionary<string, AttributeValue> { ["applicationId"] = new() { S = "app-9" } });

        var request = Assert.IsType<PutItemRequest>(Assert.Single(recorder.Requests));
        Assert.Equal("acme", request.Item["organizationId"].S);
    }

    [Theory]
    [InlineData("globex", false)]
    [InlineData("acme", true)]
    public async Task PutItemAsync_ItemNamingAnotherOrganization_Refused(string itemOrganization, bool accepted)
    {
        var (client, recorder) = RecordingDynamoDb.Create();
        recorder.Respond = _ => new PutItemResponse();
        var table = new TenantTable(client, "acme", "Applications");
        var item = new Dictionary<string, AttributeValue> { ["organizationId"] = new() { S = itemOrganization }, ["applicationId"] = new() { S = "app-9" } };

        var exception = await Record.ExceptionAsync(() => table.PutItemAsync(item));

        Assert.Equal(accepted, exception is null);
        Assert.Equal(accepted ? 1 : 0, recorder.Requests.Count);
    }

    [Fact]
    public async Task GetAndDelete_KeyIsCallersPartitionPlusSortKey()
    {
        var (client, recorder) = RecordingDynamoDb.Create();
        recorder.Respond = request => request switch
        {
            GetItemRequest => new GetItemResponse { Item = Item("app-1") },
            DeleteItemRequest => new DeleteItemResponse { Attributes = [] },
            _ => throw new InvalidOperationException(),
        };
        var table = new TenantTable(client, "acme", "Applications");

        var item = await table.GetItemAsync("applicationId", new AttributeValue { S = "app-1" });
        var deleted = await table.DeleteItemAsync("applicationId", new AttributeValue { S = "app-1" });

        Assert.NotNull(item);
        Assert.False(deleted);
        foreach (var key in new[] { ((GetItemRequest)recorder.Requests[0]).Key, ((DeleteItemRequest)recorder.Requests[1]).Key })
        {
            Assert.Equal("acme", key["organizationId"].S);
            Assert.Equal("app-1", key["applicationId"].S);
        }
    }

    [Fact]
    public async Task GetItemAsync_SortKeyNamedAsPartitionKey_Throws()
    {
        var (client, _) = RecordingDynamoDb.Create();
        var table = new TenantTable(client, "acme", "Applications");

        await Assert.ThrowsAsync<ArgumentException>(() => table.GetItemAsync("organizationId", new AttributeValue { S = "globex" }));
    }

    [Fact]
    public async Task TypedTable_MapsItemsAndKeepsThePartitionKey()
    {
        var (client, recorder) = RecordingDynamoDb.Create();
        recorder.Respond = request => request switch
        {
            QueryRequest => new QueryResponse { Items = [Item("app-1"), Item("app-2")] },
            PutItemRequest => new PutItemResponse(),
            _ => throw new InvalidOperationException(),
        };
        var table = new TenantTable<AppRow>(
            new TenantTable(client, "acme", "Applications"),
            item => new AppRow(item["organizationId"].S, item["applicationId"].S),
            row => new Dictionary<string, AttributeValue> { ["organizationId"] = new() { S = row.Org }, ["applicationId"] = new() { S = row.Id } });

        var rows = await table.QueryAsync();
        var refused = await Record.ExceptionAsync(() => table.PutItemAsync(new AppRow("globex", "app-3")));
        await table.PutItemAsync(new AppRow("acme", "app-3"));

        Assert.Equal(["app-1", "app-2"], rows.Select(r => r.Id).ToArray());
        Assert.IsType<ArgumentException>(refused);
        Assert.Equal("acme", Assert.IsType<PutItemRequest>(recorder.Requests[^1]).Item["organizationId"].S);
    }

    private sealed record AppRow(string Org, string Id);

    private static Dictionary<string, AttributeValue> Item(string id) => new()
    {
        ["organizationId"] = new() { S = "acme" },
        ["applicationId"] = new() { S = id },
    };
}
