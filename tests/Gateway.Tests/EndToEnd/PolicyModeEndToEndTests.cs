using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Gateway.Testing;
using Xunit.Abstractions;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Issue 23 item 3, both policy modes end to end with real processes: LocalAws (+ dynalite) loading the deployment
/// template (with <c>PolicyMode</c> = the gateway's <c>TenantIsolation:Mode</c>), the gateway, the sample Applications
/// API reading and writing DynamoDB with the envelope's credentials. <c>acme</c> has 8 shards: its items land on
/// several <c>acme#k</c> keys and are listed exactly once; the sample's deliberately unsafe endpoint, reading a key
/// the client names with those same credentials, gets 403 <c>tenant_access_denied</c> (LocalAws's AccessDenied) for
/// every look-alike and 200 for each of acme's own shard keys (the allow twins). In Abac mode the sessions carry no
/// session policy (LocalAws's log says so): the tenant roles' own policies do the scoping.
/// </summary>
public sealed class PolicyModeEndToEndTests(ITestOutputHelper output)
{
    private const int Shards = 8;

    private static readonly string[] LookAlikes = ["acme-2", "acme.x", "acmex", "acmex#0", "acme-2#1", "acm#1", "ACME#1", "globex", "globex#0"];

    [Theory]
    [InlineData("SessionPolicy")]
    [InlineData("Abac")]
    public async Task ShardedOrganization_ReadsAndWritesItsShards_LookAlikesDenied(string mode)
    {
        var gatewayEnvironment = new Dictionary<string, string?> { ["TenantIsolation__Mode"] = mode };
        if (mode == "Abac")
        {
            gatewayEnvironment["TenantIsolation__PermissionSets__read-write__RoleArn"] = LocalAwsHost.TenantRoleArn;
            gatewayEnvironment["TenantIsolation__PermissionSets__read-only__RoleArn"] = LocalAwsHost.TenantRoleArn + "-read-only";
        }

        await using var topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            LocalAws = new LocalAwsHostOptions { Parameters = new Dictionary<string, string> { ["PolicyMode"] = mode } },
            SeedAsync = SetShardsAsync,
            GatewayEnvironment = gatewayEnvironment,
        });
        using var client = topology.CreateGatewayClient(TimeSpan.FromSeconds(60));
        var token = await topology.Aws.MintTokenAsync("alice");

        var created = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            using var response = await SendAsync(client, token, HttpMethod.Post, "/api/applications", new { name = $"{mode} app {i}" });
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            created.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("applicationId").GetString()!);
        }

        using var list = await SendAsync(client, token, HttpMethod.Get, "/api/applications");
        var listed = (await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("applications").EnumerateArray()
            .Select(a => a.GetProperty("applicationId").GetString()!).Where(created.Contains).ToList();
        var keys = await PartitionKeysAsync(topology, created);
        output.WriteLine($"{mode}: {created.Count} items on {string.Join(", ", keys.Order(StringComparer.Ordinal))}");

        Assert.Equal(created.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal)); // every item exactly once
        Assert.True(keys.Count >= 2, $"all on {string.Join(",", keys)}");
        Assert.All(keys, k => Assert.Matches("^acme#[0-7]$", k));
        foreach (var key in keys)
        {
            Assert.Equal("200", await UnsafeAsync(client, token, key));
        }

        Assert.Equal("200", await UnsafeAsync(client, token, "acme"));
        foreach (var lookAlike in LookAlikes)
        {
            Assert.Equal("403 tenant_access_denied", await UnsafeAsync(client, token, lookAlike));
        }

        Assert.Contains($"sessionPolicy={(mode == "Abac" ? "False" : "True")}", topology.Aws.Output, StringComparison.Ordinal);
        Assert.DoesNotContain($"sessionPolicy={(mode == "Abac" ? "True" : "False")}", topology.Aws.Output, StringComparison.Ordinal);
    }

    private static async Task SetShardsAsync(LocalAwsHost aws, CancellationToken cancellationToken)
    {
        using var dynamo = aws.CreateDynamoDbClient(aws.AdminCredentials);
        await dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = "Organizations",
            Key = new() { ["organizationId"] = new AttributeValue { S = "acme" } },
            UpdateExpression = "SET #s = :n",
            ExpressionAttributeNames = new() { ["#s"] = "shards" },
            ExpressionAttributeValues = new() { [":n"] = new AttributeValue { N = Shards.ToString(CultureInfo.InvariantCulture) } },
        }, cancellationToken);
    }

    /// <summary>The partition keys (read with the admin identity) of the created items.</summary>
    private static async Task<HashSet<string>> PartitionKeysAsync(GatewayTopology topology, List<string> applicationIds)
    {
        using var dynamo = topology.Aws.CreateDynamoDbClient(topology.Aws.AdminCredentials);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var k = 0; k < Shards; k++)
        {
            var response = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = "Applications",
                KeyConditionExpression = "organizationId = :o",
                ExpressionAttributeValues = new() { [":o"] = new AttributeValue { S = $"acme#{k}" } },
            });
            if (response.Items.Any(i => applicationIds.Contains(i["applicationId"].S)))
            {
                keys.Add($"acme#{k}");
            }
        }

        return keys;
    }

    /// <summary>"200", or "STATUS code": the sample's unsafe endpoint reading <paramref name="key"/> with acme's credentials.</summary>
    private static async Task<string> UnsafeAsync(HttpClient client, string token, string key)
    {
        using var response = await SendAsync(client, token, HttpMethod.Get, "/api/unsafe/applications?organizationId=" + Uri.EscapeDataString(key));
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return "200";
        }

        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return string.Create(CultureInfo.InvariantCulture, $"{(int)response.StatusCode} {problem.RootElement.GetProperty("code").GetString()}");
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string token, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("X-Organization-Id", "acme");
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await client.SendAsync(request);
    }
}
