using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Gateway.Testing;

namespace LocalAws.Tests.CloudFormation;

/// <summary>
/// LocalAws started from the deployment template (the <see cref="LocalAwsHost"/> default) enforces exactly that
/// template: the tenant role's trust demands a SourceIdentity and sts:SetSourceIdentity, the gateway user has the
/// template's GatewayPolicy and nothing else, and tenant sessions are capped by the template's role policy.
/// </summary>
public sealed class TemplateEnforcementTests
{
    private static readonly string Template = RepoPaths.Combine("deploy", "cloudformation", "tenant-gateway.yaml");

    private static AssumeRoleRequest Request(string? sourceIdentity) => new()
    {
        RoleArn = LocalAwsHost.TenantRoleArn,
        RoleSessionName = "acme",
        Policy = LocalAwsFixture.SessionPolicyJson("acme"),
        DurationSeconds = 900,
        SourceIdentity = sourceIdentity,
    };

    private static GetItemRequest GetApplication(string table = "Applications") => new()
    {
        TableName = table,
        Key = new() { ["organizationId"] = new AttributeValue { S = "acme" }, ["applicationId"] = new AttributeValue { S = "app-1001" } },
    };

    [Fact]
    public async Task DeploymentTemplate_SourceIdentityRequiredAndTheTemplatesPoliciesEnforced()
    {
        await using var aws = await LocalAwsHost.StartAsync();
        using var sts = aws.CreateStsClient(aws.GatewayCredentials);
        using var gateway = aws.CreateDynamoDbClient(aws.GatewayCredentials);

        var denied = await Assert.ThrowsAnyAsync<AmazonSecurityTokenServiceException>(() => sts.AssumeRoleAsync(Request(sourceIdentity: null)));
        var session = await sts.AssumeRoleAsync(Request("tenant-gateway"));
        using var tenant = aws.CreateDynamoDbClient(new SessionAWSCredentials(session.Credentials.AccessKeyId, session.Credentials.SecretAccessKey, session.Credentials.SessionToken));

        Assert.Equal("AccessDenied", denied.ErrorCode);
        Assert.Equal("tenant-gateway", session.SourceIdentity);
        Assert.True((await tenant.GetItemAsync(GetApplication())).IsItemSet);
        var scan = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => tenant.ScanAsync(new ScanRequest { TableName = "Applications" }));
        Assert.Contains("identity-based policy", scan.Message, StringComparison.Ordinal); // the template's role policy has no Scan
        Assert.True((await gateway.GetItemAsync(new GetItemRequest { TableName = "Organizations", Key = new() { ["organizationId"] = new AttributeValue { S = "acme" } } })).IsItemSet);
        await Assert.ThrowsAsync<AmazonDynamoDBException>(() => gateway.GetItemAsync(GetApplication()));
        var byName = await aws.CreateDynamoDbClient(aws.AdminCredentials).QueryAsync(new QueryRequest
        {
            TableName = "Applications",
            IndexName = "ByName",
            KeyConditionExpression = "organizationId = :o",
            ExpressionAttributeValues = new() { [":o"] = new AttributeValue { S = "acme" } },
        });
        Assert.Equal(2, byName.Count);
    }

    [Fact]
    public async Task TemplateCopyWhoseTrustLacksSetSourceIdentity_AssumeRoleWithSourceIdentityDenied()
    {
        var text = await File.ReadAllTextAsync(Template);
        const string trustActions = "Action: [sts:AssumeRole, sts:SetSourceIdentity]";
        Assert.Equal(1, text.Split(trustActions).Length - 1);
        var copy = Path.Combine(Path.GetTempPath(), $"tenant-gateway-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(copy, text.Replace(trustActions, "Action: [sts:AssumeRole]", StringComparison.Ordinal));
        try
        {
            await using var aws = await LocalAwsHost.StartAsync(new LocalAwsHostOptions { CloudFormationTemplate = copy, Seed = false });
            using var sts = aws.CreateStsClient(aws.GatewayCredentials);

            var e = await Assert.ThrowsAnyAsync<AmazonSecurityTokenServiceException>(() => sts.AssumeRoleAsync(Request("tenant-gateway")));

            Assert.Equal("AccessDenied", e.ErrorCode);
        }
        finally
        {
            File.Delete(copy);
        }
    }
}
