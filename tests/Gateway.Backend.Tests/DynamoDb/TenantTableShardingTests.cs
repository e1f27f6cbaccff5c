using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Gateway.Backend.DynamoDb;

namespace Gateway.Backend.Tests.DynamoDb;

/// <summary>The fan-out of a sharded organization: placement, merge order, limits, pagination tokens, batches.</summary>
public sealed class TenantTableShardingTests
{
    private static readonly string[] Ids = Enumerable.Range(0, 60).Select(i => $"app-{i:D3}").ToArray();

    [Fact]
    public async Task PutItemAsync_Sharded_GoesToTheShardOfItsSortKey()
    {
        var store = new InMemoryPartitions();
        var table = Sharded(store, 8);

        await table.PutItemAsync(Item("app-1"));
        await table.PutItemAsync(Item("app-2"));

        var puts = store.Recorder.Requests.OfType<PutItemRequest>().Select(p => p.Item["organizationId"].S).ToArray();
        Assert.Equal(["acme#5", "acme#1"], puts); // the documented test vectors
    }

    [Fact]
    public async Task GetUpdateDelete_Sharded_AddressTheItemsShard()
    {
        var store = new InMemoryPartitions();
        var table = Sharded(store, 8);
        await table.PutItemAsync(Item("app-1"));

        var item = await table.GetItemAsync("applicationId", new AttributeValue { S = "app-1" });
        var updated = await table.UpdateItemAsync("applicationId", new AttributeValue { S = "app-1" }, "SET updated = :t");
        var deleted = await table.DeleteItemAsync("applicationId", new AttributeValue { S = "app-1" });
        var again = await table.GetItemAsync("applicationId", new AttributeValue { S = "app-1" });

        Assert.Equal("acme", item!["organizationId"].S); // handed back with the organization id, not the shard key
        Assert.Equal("acme", updated["organizationId"].S);
        Assert.True(deleted);
        Assert.Null(again);
        Assert.Equal("acme#5", ((GetItemRequest)store.Recorder.Requests[1]).Key["organizationId"].S);
        Assert.Equal("acme#5", ((UpdateItemRequest)store.Recorder.Requests[2]).Key["organizationId"].S);
        Assert.Equal("acme#5", ((DeleteItemRequest)store.Recorder.Requests[3]).Key["organizationId"].S);
    }

    [Theory]
    [InlineData("acme", true)]
    [InlineData("acme#5", true)]
    [InlineData("acme#4", false)]
    [InlineData("acme#55", false)]
    [InlineData("globex#5", false)]
    [InlineData("acme-2", false)]
    public async Task PutItemAsync_Sharded_ItemNamingAnotherPartition_Refused(string partition, bool accepted)
    {
        var store = new InMemoryPartitions();
        var table = Sharded(store, 8);
        var item = Item("app-1");
        item["organizationId"] = new AttributeValue { S = partition };

        var exception = await Record.ExceptionAsync(() => table.PutItemAsync(item));

        Assert.Equal(accepted, exception is null);
        Assert.Equal(accepted ? ["acme#5"] : [], store.Recorder.Requests.OfType<PutItemRequest>().Select(p => p.Item["organizationId"].S));
    }

    [Fact]
    public async Task PutItemAsync_ShardedWithoutSortKeyName_RefusedBeforeAnyRequest()
    {
        var store = new InMemoryPartitions();
        var table = new TenantTable(store.Client, "acme", "Applications", shards: 8);

        await Assert.ThrowsAsync<InvalidOperationException>(() => table.PutItemAsync(Item("app-1")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => table.QueryAsync());
        Assert.Empty(store.Recorder.Requests);
    }

    [Fact]
    public async Task QueryAsync_Sharded_AsksEveryShardAndMergesInSortKeyOrder()
    {
        var store = Seeded(8);
        var table = Sharded(store, 8);

        var items = await table.QueryAsync();

        Assert.Equal(Ids, items.Select(i => i["applicationId"].S));
        Assert.All(items, i => Assert.Equal("acme", i["organizationId"].S));
        Assert.Equal(TenantShards.PartitionKeys("acme", 8), store.Queries.Select(q => q.ExpressionAttributeValues[":tenant_pk"].S).Order(StringComparer.Ordinal));
        Assert.All(store.Queries, q => Assert.Equal("#tenant_pk = :tenant_pk", q.KeyConditionExpression));
    }

    [Fact]
    public async Task QueryAsync_ShardedDescending_MergesInReverseOrder()
    {
        var store = Seeded(8);
        store.PageCap = 3;
        var table = Sharded(store, 8);

        var items = await table.QueryAsync(new TenantQuery { ScanIndexForward = false });

        Assert.Equal(Ids.Reverse(), items.Select(i => i["applicationId"].S));
    }

    [Fact]
    public async Task QueryAsync_LimitSmallerThanOneShardsPage_ReturnsTheSmallestAcrossShards()
    {
        var store = Seeded(4);
        var table = Sharded(store, 4);

        var items = await table.QueryAsync(new TenantQuery { Limit = 2 });

        Assert.Equal(Ids.Take(2), items.Select(i => i["applicationId"].S));
        Assert.All(store.Queries, q => Assert.Equal(2, q.Limit)); // no shard is asked for more than the page needs
    }

    [Theory]
    [InlineData(8, 1, 1000, true)]
    [InlineData(8, 7, 1000, true)]
    [InlineData(8, 7, 3, true)]
    [InlineData(8, 7, 3, false)]
    [InlineData(8, 13, 2, false)]
    [InlineData(2, 5, 4, true)]
    [InlineData(64, 7, 5, true)]
    [InlineData(1, 7, 3, true)]
    [InlineData(1, 7, 3, false)]
    public async Task QueryPageAsync_TokenRoundTrip_EveryItemExactlyOnceInOrder(int shards, int pageSize, int pageCap, bool forward)
    {
        var store = Seeded(shards);
        store.PageCap = pageCap;
        var table = Sharded(store, shards);

        var seen = await AllPages(table, new TenantQuery { Limit = pageSize, ScanIndexForward = forward });

        Assert.Equal(forward ? Ids : Ids.Reverse(), seen);
    }

    [Fact]
    public async Task QueryPageAsync_WithFilter_EveryMatchingItemExactlyOnce()
    {
        var store = Seeded(8);
        store.PageCap = 4;
        store.Filter = i => int.Parse(i["applicationId"].S[4..], System.Globalization.CultureInfo.InvariantCulture) % 3 == 0;
        var table = Sharded(store, 8);

        var seen = await AllPages(table, new TenantQuery { Limit = 5, FilterExpression = "#n <> :x", Names = new Dictionary<string, string> { ["#n"] = "name" }, Values = new Dictionary<string, AttributeValue> { [":x"] = new() { S = "x" } } });

        Assert.Equal(Ids.Where((_, i) => i % 3 == 0), seen);
    }

    [Fact]
    public async Task QueryPageAsync_IndexWithTies_MergedByIndexSortKeyEveryItemOnce()
    {
        var store = new InMemoryPartitions();
        store.Indexes["ByStatus"] = "status";
        store.PageCap = 3;
        var table = Sharded(store, 8);
        foreach (var (id, i) in Ids.Select((id, i) => (id, i)))
        {
            var item = Item(id);
            item["status"] = new AttributeValue { S = (i % 3) switch { 0 => "active", 1 => "archived", _ => "draft" } };
            await table.PutItemAsync(item);
        }

        var query = new TenantQuery { IndexName = "ByStatus", IndexSortKeyName = "status", Limit = 4 };
        var pages = new List<Dictionary<string, AttributeValue>>();
        string? token = null;
        do
        {
            var page = await table.QueryPageAsync(query with { PaginationToken = token });
            pages.AddRange(page.Items);
            token = page.PaginationToken;
        }
        while (token is not null);

        Assert.Equal(Ids.Order(StringComparer.Ordinal), pages.Select(i => i["applicationId"].S).Order(StringComparer.Ordinal));
        Assert.Equal(pages.Select(i => i["status"].S).Order(StringComparer.Ordinal), pages.Select(i => i["status"].S)); // ordered by the index key, ties in any shard
        Assert.All(store.Queries, q => Assert.Equal("ByStatus", q.IndexName));
    }

    [Fact]
    public async Task QueryPageAsync_Unsharded_SendsTodaysRequests()
    {
        var store = Seeded(1);
        store.PageCap = 4;
        var table = Sharded(store, 1);

        var seen = await AllPages(table, new TenantQuery { Limit = 10 });

        Assert.Equal(Ids, seen);
        Assert.All(store.Queries, q => Assert.Equal("acme", q.ExpressionAttributeValues[":tenant_pk"].S));
        Assert.All(store.Queries, q => Assert.DoesNotContain('#', q.ExpressionAttributeValues[":tenant_pk"].S));
        Assert.All(store.Queries, q => Assert.Equal("#tenant_pk = :tenant_pk", q.KeyConditionExpression));
    }

    public static TheoryData<string> TamperedTokens() =>
    [
        "partition:acme-2#0",
        "partition:globex#0",
        "partition:acme#9",
        "partition:acme",
        "partition:acme#01",
        "partition:ACME#0",
        "org:globex",
        "shards:4",
        "table:Other",
        "index:ByStatus",
        "forward:false",
        "extra-attribute",
        "cursor-count",
        "not-base64",
        "not-json",
        "empty",
    ];

    [Theory]
    [MemberData(nameof(TamperedTokens))]
    public async Task QueryPageAsync_TamperedToken_RefusedBeforeAnyQuery(string tampering)
    {
        var store = Seeded(8);
        var table = Sharded(store, 8);
        var first = await table.QueryPageAsync(new TenantQuery { Limit = 20 });
        var before = store.Recorder.Requests.Count;

        var exception = await Record.ExceptionAsync(() => table.QueryPageAsync(new TenantQuery { Limit = 20, PaginationToken = Tamper(first.PaginationToken!, tampering) }));

        Assert.IsType<InvalidPaginationTokenException>(exception);
        Assert.Equal(before, store.Recorder.Requests.Count);
        Assert.DoesNotContain(first.PaginationToken!, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryPageAsync_UntamperedToken_Accepted()
    {
        // The allow twin of the tampered-token tests: the same token, re-encoded unchanged, continues the query.
        var store = Seeded(8);
        var table = Sharded(store, 8);
        var first = await table.QueryPageAsync(new TenantQuery { Limit = 20 });

        var second = await table.QueryPageAsync(new TenantQuery { Limit = 20, PaginationToken = Tamper(first.PaginationToken!, "none") });

        Assert.Equal(Ids.Skip(20).Take(20), second.Items.Select(i => i["applicationId"].S));
    }

    [Fact]
    public async Task BatchWriteAndGet_Sharded_GroupedPerShardAndUnprocessedRetried()
    {
        var store = new InMemoryPartitions();
        var table = Sharded(store, 8);
        store.LeaveUnprocessedOnce = 2;

        await table.BatchWriteItemAsync(Ids.Select(Item));
        store.LeaveUnprocessedOnce = 3;
        var found = await table.BatchGetItemAsync("applicationId", Ids.Append("app-none").Append(Ids[0]).Select(id => new AttributeValue { S = id }));
        await table.BatchWriteItemAsync(null, Ids.Take(10).Select(id => new AttributeValue { S = id }));
        var left = await table.QueryAsync();

        Assert.Equal(Ids, found.Select(i => i["applicationId"].S).Order(StringComparer.Ordinal));
        Assert.All(found, i => Assert.Equal("acme", i["organizationId"].S));
        Assert.Equal(Ids.Skip(10), left.Select(i => i["applicationId"].S));
        foreach (var id in Ids.Skip(10))
        {
            var shard = TenantShards.PartitionKey("acme", TenantShards.ShardOf(new AttributeValue { S = id }, 8), 8);
            Assert.Contains(store.Partitions[shard], i => i["applicationId"].S == id);
        }

        foreach (var batch in store.Recorder.Requests.OfType<BatchWriteItemRequest>())
        {
            Assert.Single(batch.RequestItems["Applications"].Select(w => (w.PutRequest?.Item ?? w.DeleteRequest.Key)["organizationId"].S).Distinct());
        }

        foreach (var batch in store.Recorder.Requests.OfType<BatchGetItemRequest>())
        {
            Assert.Single(batch.RequestItems["Applications"].Keys.Select(k => k["organizationId"].S).Distinct());
        }
    }

    private static TenantTable Sharded(InMemoryPartitions store, int shards) =>
        new(store.Client, "acme", "Applications", sortKeyName: "applicationId", shards: shards);

    private static InMemoryPartitions Seeded(int shards)
    {
        var store = new InMemoryPartitions();
        foreach (var id in Ids)
        {
            var item = Item(id);
            item["organizationId"] = new AttributeValue { S = TenantShards.PartitionKey("acme", TenantShards.ShardOf(new AttributeValue { S = id }, shards), shards) };
            store.Add(item);
        }

        return store;
    }

    private static async Task<List<string>> AllPages(TenantTable table, TenantQuery query)
    {
        var seen = new List<string>();
        string? token = null;
        for (var pages = 0; pages < 1000; pages++)
        {
            var page = await table.QueryPageAsync(query with { PaginationToken = token });
            Assert.True(page.Items.Count <= query.Limit);
            seen.AddRange(page.Items.Select(i => i["applicationId"].S));
            token = page.PaginationToken;
            if (token is null)
            {
                return seen;
            }
        }

        throw new InvalidOperationException("pagination did not end");
    }

    private static string Tamper(string token, string how)
    {
        switch (how)
        {
            case "not-base64":
                return "%%%" + token;
            case "not-json":
                return Convert.ToBase64String("{nope"u8.ToArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            case "empty":
                return string.Empty;
        }

        var json = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token))!.AsObject();
        var cursors = json["c"]!.AsArray();
        var started = cursors.Select(c => c!.AsObject()).First(c => c.ContainsKey("k"))["k"]!.AsObject();
        switch (how.Split(':')[0])
        {
            case "partition":
                started["organizationId"] = new JsonObject { ["S"] = how.Split(':')[1] };
                break;
            case "org":
                json["o"] = "globex";
                break;
            case "shards":
                json["n"] = 4;
                break;
            case "table":
                json["t"] = "Other";
                break;
            case "index":
                json["i"] = "ByStatus";
                break;
            case "forward":
                json["f"] = false;
                break;
            case "extra-attribute":
                started["secret"] = new JsonObject { ["S"] = "x" };
                break;
            case "cursor-count":
                cursors.RemoveAt(cursors.Count - 1);
                break;
        }

        return System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
    }

    private static Dictionary<string, AttributeValue> Item(string id) => new(StringComparer.Ordinal)
    {
        ["applicationId"] = new() { S = id },
        ["name"] = new() { S = "name of " + id },
    };
}
