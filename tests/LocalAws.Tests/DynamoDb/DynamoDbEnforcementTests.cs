using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Testing;
using static LocalAws.Tests.LocalAwsFixture;

namespace LocalAws.Tests.DynamoDb;

/// <summary>A session scoped to org-a by the real session policy, through the real DynamoDB SDK client. Every deny has its allow twin.</summary>
[Collection(LocalAwsTestGroup.Name)]
public sealed class DynamoDbEnforcementTests(LocalAwsFixture fixture) : IDisposable
{
    private readonly AmazonDynamoDBClient _orgA = fixture.Host.CreateDynamoDbClient(fixture.OrgASession);

    public void Dispose() => _orgA.Dispose();

    private static Dictionary<string, AttributeValue> Key(string org, string app)
        => new() { ["organizationId"] = new() { S = org }, ["applicationId"] = new() { S = app } };

    private static async Task<AmazonDynamoDBException> DeniedAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(call);
        Assert.Equal("AccessDeniedException", e.ErrorCode);
        return e;
    }

    [Fact]
    public async Task GetItem_OwnOrganization_ReturnsItem()
    {
        var response = await _orgA.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(OrgA, "app-1") });
        Assert.Equal("org-a app-1", response.Item["name"].S);
    }

    [Fact]
    public async Task GetItem_OtherOrganization_AccessDenied()
    {
        var e = await DeniedAsync(() => _orgA.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(OrgB, "app-1") }));
        Assert.StartsWith("User: arn:aws:sts::000000000000:assumed-role/TenantDataAccess/org-a-tests is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/Applications", e.Message, StringComparison.Ordinal);
        Assert.Contains("session policy", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutItem_OwnOrganization_Succeeds()
    {
        var item = Key(OrgA, "app-put");
        item["name"] = new AttributeValue { S = "put" };
        await _orgA.PutItemAsync(new PutItemRequest { TableName = Table, Item = item });
        var read = await fixture.Admin.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(OrgA, "app-put") });
        Assert.Equal("put", read.Item["name"].S);
    }

    [Fact]
    public async Task PutItem_OtherOrganization_AccessDeniedAndNothingWritten()
    {
        var item = Key(OrgB, "app-put-denied");
        item["name"] = new AttributeValue { S = "should not exist" };
        await DeniedAsync(() => _orgA.PutItemAsync(new PutItemRequest { TableName = Table, Item = item }));
        var read = await fixture.Admin.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(OrgB, "app-put-denied") });
        Assert.False(read.IsItemSet);
    }

    [Fact]
    public async Task UpdateItem_OwnOrganization_Succeeds()
    {
        await _orgA.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = Key(OrgA, "app-2"),
            UpdateExpression = "SET #n = :n",
            ExpressionAttributeNames = new() { ["#n"] = "note" },
            ExpressionAttributeValues = new() { [":n"] = new AttributeValue { S = "updated" } },
        });
        var read = await fixture.Admin.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(OrgA, "app-2") });
        Assert.Equal("updated", read.Item["note"].S);
    }

    [Fact]
    public async Task UpdateItem_OtherOrganization_AccessDenied()
        => await DeniedAsync(() => _orgA.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = Key(OrgB, "app-2"),
            UpdateExpression = "SET #n = :n",
            ExpressionAttributeNames = new() { ["#n"] = "note" },
            ExpressionAttributeValues = new() { [":n"] = new AttributeValue { S = "hacked" } },
        }));

    [Fact]
    public async Task DeleteItem_OwnOrganization_Succeeds()
    {
        var item = Key(OrgA, "app-del");
        await fixture.Admin.PutItemAsync(new PutItemRequest { TableName = Table, Item = item });
        await _orgA.DeleteItemAsync(new DeleteItemRequest { TableName = Table, Key = Key(OrgA, "app-del") });
        var read = await fixture.Admin.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(OrgA, "app-del") });
        Assert.False(read.IsItemSet);
    }

    [Fact]
    public async Task DeleteItem_OtherOrganization_AccessDeniedAndItemKept()
    {
        await DeniedAsync(() => _orgA.DeleteItemAsync(new DeleteItemRequest { TableName = Table, Key = Key(OrgB, "app-1") }));
        var read = await fixture.Admin.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(OrgB, "app-1") });
        Assert.True(read.IsItemSet);
    }

    [Fact]
    public async Task BatchGetItem_OwnOrganizationOnly_ReturnsItems()
    {
        var response = await _orgA.BatchGetItemAsync(new BatchGetItemRequest
        {
            RequestItems = new() { [Table] = new KeysAndAttributes { Keys = [Key(OrgA, "app-1"), Key(OrgA, "app-2")] } },
        });
        Assert.Equal(2, response.Responses[Table].Count);
    }

    [Fact]
    public async Task BatchGetItem_MixingOrganizations_AccessDenied()
        => await DeniedAsync(() => _orgA.BatchGetItemAsync(new BatchGetItemRequest
        {
            RequestItems = new() { [Table] = new KeysAndAttributes { Keys = [Key(OrgA, "app-1"), Key(OrgB, "app-1")] } },
        }));

    [Fact]
    public async Task BatchWriteItem_OwnOrganization_SucceedsAndItemsLand()
    {
        await fixture.Admin.PutItemAsync(new PutItemRequest { TableName = Table, Item = Key(OrgA, "batch-own-del") });

        await _orgA.BatchWriteItemAsync(new BatchWriteItemRequest
        {
            RequestItems = new()
            {
                [Table] =
                [
                    Put(OrgA, "batch-own-1"),
                    Put(OrgA, "batch-own-2"),
                    new WriteRequest { DeleteRequest = new DeleteRequest { Key = Key(OrgA, "batch-own-del") } },
                ],
            },
        });

        Assert.True(await ExistsAsync(OrgA, "batch-own-1"));
        Assert.True(await ExistsAsync(OrgA, "batch-own-2"));
        Assert.False(await ExistsAsync(OrgA, "batch-own-del"));
    }

    [Fact]
    public async Task BatchWriteItem_MixingOrganizations_AccessDeniedAndNothingWritten()
    {
        var e = await DeniedAsync(() => _orgA.BatchWriteItemAsync(new BatchWriteItemRequest
        {
            RequestItems = new() { [Table] = [Put(OrgA, "batch-mixed-a"), Put(OrgB, "batch-mixed-b")] },
        }));

        Assert.Contains("dynamodb:BatchWriteItem", e.Message, StringComparison.Ordinal);
        Assert.False(await ExistsAsync(OrgA, "batch-mixed-a")); // not even the own-organization half
        Assert.False(await ExistsAsync(OrgB, "batch-mixed-b"));
    }

    [Fact]
    public async Task BatchWriteItem_OtherOrganizationOnly_AccessDeniedAndNothingChanged()
    {
        await DeniedAsync(() => _orgA.BatchWriteItemAsync(new BatchWriteItemRequest
        {
            RequestItems = new()
            {
                [Table] = [Put(OrgB, "batch-other"), new WriteRequest { DeleteRequest = new DeleteRequest { Key = Key(OrgB, "app-1") } }],
            },
        }));

        Assert.False(await ExistsAsync(OrgB, "batch-other"));
        Assert.True(await ExistsAsync(OrgB, "app-1"));
    }

    [Fact]
    public async Task TransactWriteItems_OwnOrganization_IsAuthorizedButNotExecuted()
    {
        var e = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(() => _orgA.TransactWriteItemsAsync(TransactWrite(OrgA, OrgA)));

        Assert.Equal("UnknownOperationException", e.ErrorCode); // authorized: not AccessDenied
        Assert.Contains("LocalAws authorized TransactWriteItems", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OrgB, OrgB)]
    [InlineData(OrgA, OrgB)]
    [InlineData(OrgB, OrgA)]
    public async Task TransactWriteItems_NamingOtherOrganization_AccessDenied(string first, string second)
    {
        var e = await DeniedAsync(() => _orgA.TransactWriteItemsAsync(TransactWrite(first, second)));

        Assert.Contains("session policy", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TransactGetItems_OwnOrganization_IsAuthorizedButNotExecuted()
    {
        var e = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(() => _orgA.TransactGetItemsAsync(TransactGet(OrgA, OrgA)));

        Assert.Equal("UnknownOperationException", e.ErrorCode);
        Assert.Contains("LocalAws authorized TransactGetItems", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OrgB, OrgB)]
    [InlineData(OrgA, OrgB)]
    public async Task TransactGetItems_NamingOtherOrganization_AccessDenied(string first, string second)
    {
        var e = await DeniedAsync(() => _orgA.TransactGetItemsAsync(TransactGet(first, second)));

        Assert.Contains("dynamodb:GetItem", e.Message, StringComparison.Ordinal); // authorized as its item action
    }

    [Fact]
    public async Task Query_OwnOrganization_ReturnsOnlyOwnItems()
    {
        var response = await _orgA.QueryAsync(Query(OrgA));
        Assert.NotEmpty(response.Items);
        Assert.All(response.Items, item => Assert.Equal(OrgA, item["organizationId"].S));
    }

    [Fact]
    public async Task Query_OtherOrganization_AccessDenied()
        => await DeniedAsync(() => _orgA.QueryAsync(Query(OrgB)));

    [Fact]
    public async Task QueryIndex_OwnOrganization_Succeeds()
    {
        var response = await _orgA.QueryAsync(Query(OrgA, "ByName"));
        Assert.NotEmpty(response.Items);
    }

    [Fact]
    public async Task QueryIndex_OtherOrganization_AccessDenied()
        => await DeniedAsync(() => _orgA.QueryAsync(Query(OrgB, "ByName")));

    [Fact]
    public async Task Scan_TenantSession_AccessDenied()
        => await DeniedAsync(() => _orgA.ScanAsync(new ScanRequest { TableName = Table }));

    [Fact]
    public async Task Scan_Admin_Succeeds()
    {
        var response = await fixture.Admin.ScanAsync(new ScanRequest { TableName = Table });
        Assert.Contains(response.Items, i => i["organizationId"].S == OrgB);
    }

    [Fact]
    public async Task DescribeTable_TenantSession_AccessDenied()
        => await DeniedAsync(() => _orgA.DescribeTableAsync(new DescribeTableRequest { TableName = Table }));

    [Fact]
    public async Task DescribeTable_Admin_Succeeds()
    {
        var response = await fixture.Admin.DescribeTableAsync(new DescribeTableRequest { TableName = Table });
        Assert.Equal(Table, response.Table.TableName);
    }

    [Fact]
    public async Task PartiQL_WithoutPartitionKeyEquality_AccessDenied()
        => await DeniedAsync(() => _orgA.ExecuteStatementAsync(new ExecuteStatementRequest { Statement = "SELECT * FROM \"Applications\"" }));

    [Fact]
    public async Task PartiQL_WithOwnPartitionKey_IsAuthorizedButNotExecuted()
    {
        var e = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(() => _orgA.ExecuteStatementAsync(new ExecuteStatementRequest
        {
            Statement = "SELECT * FROM \"Applications\" WHERE organizationId = 'org-a'",
        }));
        Assert.Equal("UnknownOperationException", e.ErrorCode);
        Assert.Contains("LocalAws authorized ExecuteStatement", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_WeakSessionPolicyWithoutNullGuard_IsAllowed_ReproducingTheIamTrap()
    {
        // ForAllValues over an absent key set is true: without the Null guard, Scan (no LeadingKeys) slips through.
        var weak = """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Scan"],
            "Resource":"arn:aws:dynamodb:us-east-1:000000000000:table/Applications",
            "Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["org-a"]}}}]}
            """;
        var credentials = await fixture.AssumeAsync(weak, "weak-policy");
        using var client = fixture.Host.CreateDynamoDbClient(credentials);
        var response = await client.ScanAsync(new ScanRequest { TableName = Table });
        Assert.Contains(response.Items, i => i["organizationId"].S == OrgB);
    }

    [Fact]
    public async Task Scan_SameWeakPolicyWithNullGuard_AccessDenied()
    {
        var guarded = """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Scan"],
            "Resource":"arn:aws:dynamodb:us-east-1:000000000000:table/Applications",
            "Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["org-a"]},"Null":{"dynamodb:LeadingKeys":"false"}}}]}
            """;
        var credentials = await fixture.AssumeAsync(guarded, "guarded-policy");
        using var client = fixture.Host.CreateDynamoDbClient(credentials);
        await DeniedAsync(() => client.ScanAsync(new ScanRequest { TableName = Table }));
    }

    [Fact]
    public async Task GetItem_GatewayPrincipalOnOrganizations_Succeeds()
    {
        using var gateway = fixture.Host.CreateDynamoDbClient(fixture.Host.GatewayCredentials);
        var response = await gateway.GetItemAsync(new GetItemRequest
        {
            TableName = "Organizations",
            Key = new() { ["organizationId"] = new AttributeValue { S = "acme" } },
        });
        Assert.Equal("Acme Corp", response.Item["name"].S);
    }

    [Fact]
    public async Task GetItem_GatewayPrincipalOnApplications_AccessDeniedByIdentityPolicy()
    {
        using var gateway = fixture.Host.CreateDynamoDbClient(fixture.Host.GatewayCredentials);
        var e = await DeniedAsync(() => gateway.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(OrgA, "app-1") }));
        Assert.StartsWith("User: arn:aws:iam::000000000000:user/gateway is not authorized", e.Message, StringComparison.Ordinal);
        Assert.Contains("identity-based policy", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeniedRequests_AreCountedInStats()
    {
        var before = await fixture.Host.GetStatsAsync();
        await DeniedAsync(() => _orgA.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(OrgB, "app-2") }));
        var after = await fixture.Host.GetStatsAsync();
        Assert.True(after.Denied > before.Denied);
        Assert.True(after.DeniedByCode["AccessDeniedException"] >= 1);
    }

    [Fact]
    public async Task DeniedRequest_IsLoggedWithPrincipalActionResourceAndNoSecrets()
    {
        await DeniedAsync(() => _orgA.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(OrgB, "app-log") }));
        var secret = fixture.OrgASession.GetCredentials();
        var output = await WaitForOutputAsync("authorization denied: principal=arn:aws:sts::000000000000:assumed-role/TenantDataAccess/org-a-tests action=dynamodb:GetItem resource=arn:aws:dynamodb:us-east-1:000000000000:table/Applications");
        Assert.DoesNotContain(secret.SecretKey, output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret.Token, output, StringComparison.Ordinal);
        Assert.DoesNotContain(LocalAwsHost.AdminSecretAccessKey, output, StringComparison.Ordinal);
    }

    private async Task<string> WaitForOutputAsync(string expected)
    {
        for (var i = 0; i < 50 && !fixture.Host.Output.Contains(expected, StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        var output = fixture.Host.Output;
        Assert.Contains(expected, output, StringComparison.Ordinal);
        return output;
    }

    private static WriteRequest Put(string org, string app)
    {
        var item = Key(org, app);
        item["name"] = new AttributeValue { S = app };
        return new WriteRequest { PutRequest = new PutRequest { Item = item } };
    }

    private async Task<bool> ExistsAsync(string org, string app)
        => (await fixture.Admin.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(org, app), ConsistentRead = true })).IsItemSet;

    /// <summary>Put (first), Update, ConditionCheck and Delete (second's partition): every item action a transaction carries.</summary>
    private static TransactWriteItemsRequest TransactWrite(string first, string second) => new()
    {
        TransactItems =
        [
            new TransactWriteItem { Put = new Put { TableName = Table, Item = Key(first, "tx-put") } },
            new TransactWriteItem
            {
                Update = new Update
                {
                    TableName = Table,
                    Key = Key(second, "app-1"),
                    UpdateExpression = "SET #n = :n",
                    ExpressionAttributeNames = new() { ["#n"] = "note" },
                    ExpressionAttributeValues = new() { [":n"] = new AttributeValue { S = "tx" } },
                },
            },
            new TransactWriteItem { ConditionCheck = new ConditionCheck { TableName = Table, Key = Key(second, "app-2"), ConditionExpression = "attribute_exists(applicationId)" } },
            new TransactWriteItem { Delete = new Delete { TableName = Table, Key = Key(second, "tx-del") } },
        ],
    };

    private static TransactGetItemsRequest TransactGet(string first, string second) => new()
    {
        TransactItems =
        [
            new TransactGetItem { Get = new Get { TableName = Table, Key = Key(first, "app-1") } },
            new TransactGetItem { Get = new Get { TableName = Table, Key = Key(second, "app-2") } },
        ],
    };

    private static QueryRequest Query(string org, string? index = null) => new()
    {
        TableName = Table,
        IndexName = index,
        KeyConditionExpression = "organizationId = :o",
        ExpressionAttributeValues = new() { [":o"] = new AttributeValue { S = org } },
    };
}
