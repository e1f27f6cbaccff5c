using Amazon.DynamoDBv2.Model;
using Gateway.Testing;

namespace LocalAws.Tests.Diagnostics;

/// <summary>Start-up options and failures of the LocalAws process.</summary>
public sealed class StartupTests
{
    private static GetItemRequest Acme() => new()
    {
        TableName = "Organizations",
        Key = new() { ["organizationId"] = new AttributeValue { S = "acme" } },
    };

    [Fact]
    public async Task InvalidConfig_ExitsNamingTheOffendingKey()
    {
        var file = Path.Combine(Path.GetTempPath(), $"localaws-bad-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{"LocalAws":{"Users":[{"Name":"x","AccessKeyId":"BAD","SecretAccessKey":"s","Policies":[]}],"Roles":[]}}""");
        try
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => LocalAwsHost.StartAsync(new LocalAwsHostOptions { ConfigFile = file, Seed = false }));
            Assert.Contains("LocalAws:Users:0:AccessKeyId", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task GatewayPrincipalNotALocalUser_ExitsNamingTheOutputs()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => LocalAwsHost.StartAsync(new LocalAwsHostOptions
        {
            Seed = false,
            Parameters = new Dictionary<string, string> { ["GatewayPrincipalArn"] = "arn:aws:iam::000000000000:user/nobody" },
        }));

        Assert.Contains("outputs GatewayPolicyArn -> GatewayPrincipalArn: arn:aws:iam::000000000000:user/nobody is neither a LocalAws user", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TemplateWithUnsupportedResource_ExitsNamingTheResource()
    {
        var file = Path.Combine(Path.GetTempPath(), $"localaws-cfn-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n");
        try
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => LocalAwsHost.StartAsync(new LocalAwsHostOptions { CloudFormationTemplate = file, Seed = false }));

            Assert.Contains("resource Queue (AWS::SQS::Queue): resource type AWS::SQS::Queue is not supported", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task NodeMissing_ExitsWithClearMessage()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => LocalAwsHost.StartAsync(new LocalAwsHostOptions
        {
            Seed = false,
            Environment = new Dictionary<string, string?> { ["PATH"] = "/nonexistent-localaws-test" },
        }));
        Assert.Contains("Node.js", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DynamoDbUpstream_UsesTheGivenEndpointInsteadOfStartingDynalite()
    {
        await using var first = await LocalAwsHost.StartAsync();
        await using var second = await LocalAwsHost.StartAsync(new LocalAwsHostOptions { Seed = false, DynamoDbUpstream = first.DynaliteUrl });
        Assert.Null(second.DynaliteProcessId);

        using var client = second.CreateDynamoDbClient(second.AdminCredentials);
        var response = await client.GetItemAsync(Acme());
        Assert.Equal("Acme Corp", response.Item["name"].S);
    }

    [Fact]
    public async Task DataDir_PersistsItemsAcrossRestarts()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"localaws-data-{Guid.NewGuid():N}");
        try
        {
            await using (var first = await LocalAwsHost.StartAsync(new LocalAwsHostOptions { Seed = false, DataDirectory = dir }))
            {
                using var client = first.CreateDynamoDbClient(first.AdminCredentials);
                await client.PutItemAsync(new PutItemRequest
                {
                    TableName = "Organizations",
                    Item = new() { ["organizationId"] = new AttributeValue { S = "persisted" }, ["name"] = new AttributeValue { S = "Kept" } },
                });
            }

            await using var second = await LocalAwsHost.StartAsync(new LocalAwsHostOptions { Seed = false, DataDirectory = dir });
            using var again = second.CreateDynamoDbClient(second.AdminCredentials);
            var response = await again.GetItemAsync(new GetItemRequest
            {
                TableName = "Organizations",
                Key = new() { ["organizationId"] = new AttributeValue { S = "persisted" } },
            });
            Assert.Equal("Kept", response.Item["name"].S);

            var seeded = await again.GetItemAsync(Acme());
            Assert.False(seeded.IsItemSet);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
