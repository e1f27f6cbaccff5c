using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Gateway.Backend.DynamoDb;

namespace Applications.Api.Tests;

/// <summary>
/// The sample API over a sharded organization (issue 23 item 4), end to end: real processes, the real AWS SDK, LocalAws.
/// Items are placed in {org}#k by the documented shard function, listed across shards in applicationId order, and paged
/// with a token that spans shards; an unsharded organization works unchanged.
/// </summary>
[Collection(ApplicationsApiProcesses.Name)]
public sealed class ShardedOrganizationTests(ApplicationsApiFixture fixture)
{
    private const int Shards = 8;

    [Fact]
    public async Task ShardedOrganization_200Items_PagesOf7ReturnEveryItemExactlyOnce()
    {
        const string organization = "shardco";
        var envelope = await fixture.EnvelopeAsync("sam", organization, "ADMINISTRATOR", ApplicationsApiFixture.ReadWrite, shards: Shards);
        var created = await CreateAsync(envelope, 200);

        var paged = await AllPagesAsync(envelope, 7);
        using var whole = await SendAsync(HttpMethod.Get, "/applications", envelope);
        var wholeIds = (await whole.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("applications").EnumerateArray()
            .Select(a => a.GetProperty("applicationId").GetString()!).ToArray();

        Assert.Equal(created.Order(StringComparer.Ordinal), paged); // every item once, in applicationId order across shards
        Assert.Equal(paged, wholeIds);

        // Physically: every item sits in the shard the documented function names, none under the unsharded key.
        using var admin = fixture.Aws.CreateDynamoDbClient(fixture.Aws.AdminCredentials);
        var total = 0;
        for (var k = 0; k < Shards; k++)
        {
            var partition = $"{organization}#{k}";
            var items = await QueryPartitionAsync(admin, partition);
            Assert.NotEmpty(items);
            Assert.All(items, i => Assert.Equal(partition, TenantShards.PartitionKey(organization, TenantShards.ShardOf(i["applicationId"], Shards), Shards)));
            total += items.Count;
        }

        Assert.Equal(200, total);
        Assert.Empty(await QueryPartitionAsync(admin, organization));

        // Get and Delete find an item in its shard.
        using var got = await SendAsync(HttpMethod.Get, $"/applications/{created[17]}", envelope);
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal(organization, (await got.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("organizationId").GetString());
        using var deleted = await SendAsync(HttpMethod.Delete, $"/applications/{created[17]}", envelope);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(199, (await AllPagesAsync(envelope, 50)).Count);
    }

    [Fact]
    public async Task UnshardedOrganization_PagedListEqualsTheWholeList()
    {
        var envelope = await fixture.EnvelopeAsync("alice", "acme", "ADMINISTRATOR", ApplicationsApiFixture.ReadWrite);
        await CreateAsync(envelope, 5);

        var paged = await AllPagesAsync(envelope, 2);
        using var whole = await SendAsync(HttpMethod.Get, "/applications", envelope);
        var body = await whole.Content.ReadFromJsonAsync<JsonElement>();

        Assert.False(body.TryGetProperty("paginationToken", out _)); // the unpaged answer is exactly what it was
        Assert.Equal(body.GetProperty("applications").EnumerateArray().Select(a => a.GetProperty("applicationId").GetString()!), paged);
        Assert.True(paged.Count >= 5);
    }

    [Theory]
    [InlineData("globex#0")]
    [InlineData("shardco")]
    [InlineData("shardco#1")]
    [InlineData("shardco2")]
    [InlineData("shardco2#64")]
    public async Task ShardedOrganization_TokenNamingAnotherPartition_400NothingQueried(string partition)
    {
        var envelope = await fixture.EnvelopeAsync("sam", "shardco2", "ADMINISTRATOR", ApplicationsApiFixture.ReadWrite, shards: Shards);
        await CreateAsync(envelope, 20);
        var token = await FirstTokenAsync(envelope, 3);
        var tampered = RewriteFirstCursor(token, partition);

        using var refused = await SendAsync(HttpMethod.Get, $"/applications?limit=3&paginationToken={Uri.EscapeDataString(tampered)}", envelope);
        using var allowed = await SendAsync(HttpMethod.Get, $"/applications?limit=3&paginationToken={Uri.EscapeDataString(token)}", envelope);

        await AssertProblemAsync(refused, HttpStatusCode.BadRequest, "invalid_pagination_token");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode); // the allow twin: the token as given
    }

    [Fact]
    public async Task AnotherOrganizationsToken_400()
    {
        var sharded = await fixture.EnvelopeAsync("sam", "shardco3", "ADMINISTRATOR", ApplicationsApiFixture.ReadWrite, shards: Shards);
        await CreateAsync(sharded, 10);
        var token = await FirstTokenAsync(sharded, 3);
        var acme = await fixture.EnvelopeAsync("alice", "acme", "ADMINISTRATOR", ApplicationsApiFixture.ReadWrite);

        using var refused = await SendAsync(HttpMethod.Get, $"/applications?limit=3&paginationToken={Uri.EscapeDataString(token)}", acme);
        using var allowed = await SendAsync(HttpMethod.Get, "/applications?limit=3", acme);

        await AssertProblemAsync(refused, HttpStatusCode.BadRequest, "invalid_pagination_token");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    private async Task<List<string>> CreateAsync(string envelope, int count)
    {
        var ids = new List<string>();
        var gate = new Lock();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
        {
            using var response = await SendAsync(HttpMethod.Post, "/applications", envelope, new { name = $"app {i}" });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var id = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("applicationId").GetString()!;
            lock (gate)
            {
                ids.Add(id);
            }
        });
        return ids;
    }

    private async Task<List<string>> AllPagesAsync(string envelope, int pageSize)
    {
        var ids = new List<string>();
        string? token = null;
        for (var pages = 0; pages < 500; pages++)
        {
            var path = token is null ? $"/applications?limit={pageSize}" : $"/applications?limit={pageSize}&paginationToken={Uri.EscapeDataString(token)}";
            using var response = await SendAsync(HttpMethod.Get, path, envelope);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            var page = body.GetProperty("applications").EnumerateArray().Select(a => a.GetProperty("applicationId").GetString()!).ToArray();
            Assert.InRange(page.Length, 0, pageSize);
            ids.AddRange(page);
            token = body.GetProperty("paginationToken").GetString();
            if (token is null)
            {
                return ids;
            }
        }

        throw new InvalidOperationException("pagination did not end");
    }

    private async Task<string> FirstTokenAsync(string envelope, int pageSize)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/applications?limit={pageSize}", envelope);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("paginationToken").GetString()!;
    }

    private static string RewriteFirstCursor(string token, string partition)
    {
        var json = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token))!.AsObject();
        var cursor = json["c"]!.AsArray().Select(c => c!.AsObject()).First(c => c.ContainsKey("k"));
        cursor["k"]!["organizationId"] = new JsonObject { ["S"] = partition };
        return System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
    }

    private static async Task<List<Dictionary<string, AttributeValue>>> QueryPartitionAsync(Amazon.DynamoDBv2.AmazonDynamoDBClient client, string partition)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await client.QueryAsync(new QueryRequest
            {
                TableName = "Applications",
                KeyConditionExpression = "organizationId = :pk",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":pk"] = new() { S = partition } },
                ExclusiveStartKey = start,
            });
            items.AddRange(response.Items ?? []);
            start = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        return items;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string envelope, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-Tenant-Context", envelope);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await fixture.Api.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, body.GetProperty("code").GetString());
    }
}
