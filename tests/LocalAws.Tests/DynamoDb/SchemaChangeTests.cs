using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;

namespace LocalAws.Tests.DynamoDb;

/// <summary>LocalAws learns key schemas with DescribeTable and forgets them when a table is deleted and re-created.</summary>
[Collection(LocalAwsTestGroup.Name)]
public sealed class SchemaChangeTests(LocalAwsFixture fixture)
{
    private const string Scratch = "ScratchSchemaChange";

    [Fact]
    public async Task PutItem_AfterTableRecreatedWithOtherPartitionKey_UsesNewKeySchema()
    {
        await CreateAsync("tenant");
        var permissions = new PermissionSet
        {
            Name = "scratch",
            Tables = [new TableAccess { TableName = Scratch, PartitionKey = "tenant", Read = true, Write = true }],
        };
        var policy = new SessionPolicyBuilder(LocalAwsFixture.Scope).Build(OrganizationId.Parse("org-a"), permissions).Json;
        var session = await fixture.AssumeAsync(policy, "schema-change");
        using var client = fixture.Host.CreateDynamoDbClient(session);

        // Partition key "tenant": org-a allowed, org-b denied.
        await client.PutItemAsync(Put(("tenant", "org-a")));
        var denied = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(() => client.PutItemAsync(Put(("tenant", "org-b"))));
        Assert.Equal("AccessDeniedException", denied.ErrorCode);

        // Re-create with partition key "other": LeadingKeys is now the "other" value, whatever "tenant" says.
        await fixture.Admin.DeleteTableAsync(new DeleteTableRequest { TableName = Scratch });
        await CreateAsync("other");
        await client.PutItemAsync(Put(("other", "org-a"), ("tenant", "org-b")));
        var stale = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(() => client.PutItemAsync(Put(("other", "org-b"), ("tenant", "org-a"))));
        Assert.Equal("AccessDeniedException", stale.ErrorCode);

        await fixture.Admin.DeleteTableAsync(new DeleteTableRequest { TableName = Scratch });
    }

    [Fact]
    public async Task GetItem_TableThatDoesNotExist_AccessDeniedBecauseItCannotBeAnalyzed()
    {
        var e = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(() => fixture.Admin.GetItemAsync(new GetItemRequest
        {
            TableName = "NoSuchTable",
            Key = new() { ["id"] = new AttributeValue { S = "x" } },
        }));
        Assert.Equal("AccessDeniedException", e.ErrorCode);
        Assert.Contains("could not analyze", e.Message, StringComparison.Ordinal);
    }

    private async Task CreateAsync(string partitionKey)
        => await fixture.Admin.CreateTableAsync(new CreateTableRequest
        {
            TableName = Scratch,
            KeySchema = [new KeySchemaElement(partitionKey, KeyType.HASH)],
            AttributeDefinitions = [new AttributeDefinition(partitionKey, ScalarAttributeType.S)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });

    private static PutItemRequest Put(params (string Name, string Value)[] attributes) => new()
    {
        TableName = Scratch,
        Item = attributes.ToDictionary(a => a.Name, a => new AttributeValue { S = a.Value }),
    };
}
