using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Gateway.Testing;
using static LocalAws.Tests.LocalAwsFixture;

namespace LocalAws.Tests.Signing;

/// <summary>SigV4 and credential checks on the DynamoDB front, with the real SDK. Each failure has its working twin.</summary>
[Collection(LocalAwsTestGroup.Name)]
public sealed class AuthenticationTests(LocalAwsFixture fixture)
{
    private static GetItemRequest OrgAItem() => new()
    {
        TableName = Table,
        Key = new() { ["organizationId"] = new AttributeValue { S = OrgA }, ["applicationId"] = new AttributeValue { S = "app-1" } },
    };

    private static async Task<AmazonDynamoDBException> FailsWithAsync(string code, Func<Task> call)
    {
        var e = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(call);
        Assert.Equal(code, e.ErrorCode);
        return e;
    }

    [Fact]
    public async Task GetItem_RightSecret_Succeeds()
    {
        using var client = fixture.Host.CreateDynamoDbClient(new BasicAWSCredentials(LocalAwsHost.AdminAccessKeyId, LocalAwsHost.AdminSecretAccessKey));
        var response = await client.GetItemAsync(OrgAItem());
        Assert.True(response.IsItemSet);
    }

    [Fact]
    public async Task GetItem_WrongSecret_InvalidSignature()
    {
        using var client = fixture.Host.CreateDynamoDbClient(new BasicAWSCredentials(LocalAwsHost.AdminAccessKeyId, "not-the-secret"));
        var e = await FailsWithAsync("InvalidSignatureException", () => client.GetItemAsync(OrgAItem()));
        Assert.DoesNotContain("local-admin-secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetItem_UnknownAccessKey_UnrecognizedClient()
    {
        using var client = fixture.Host.CreateDynamoDbClient(new BasicAWSCredentials("AKIAUNKNOWNKEY000000", "whatever"));
        await FailsWithAsync("UnrecognizedClientException", () => client.GetItemAsync(OrgAItem()));
    }

    [Fact]
    public async Task GetItem_SessionWithAlteredToken_UnrecognizedClient()
    {
        var real = fixture.OrgASession.GetCredentials();
        var altered = new SessionAWSCredentials(real.AccessKey, real.SecretKey, real.Token[..^4] + "AAAA");
        using var client = fixture.Host.CreateDynamoDbClient(altered);
        await FailsWithAsync("UnrecognizedClientException", () => client.GetItemAsync(OrgAItem()));
    }

    [Fact]
    public async Task GetItem_SessionWithoutToken_UnrecognizedClient()
    {
        var real = fixture.OrgASession.GetCredentials();
        using var client = fixture.Host.CreateDynamoDbClient(new BasicAWSCredentials(real.AccessKey, real.SecretKey));
        await FailsWithAsync("UnrecognizedClientException", () => client.GetItemAsync(OrgAItem()));
    }

    [Fact]
    public async Task GetItem_SignedBodyUnchanged_SucceedsThroughRewritingHandler()
    {
        using var client = fixture.Host.CreateDynamoDbClient(fixture.Host.AdminCredentials, c => c.HttpClientFactory = new BodyRewritingHttpClientFactory("no-such-text", "x"));
        var response = await client.GetItemAsync(OrgAItem());
        Assert.True(response.IsItemSet);
    }

    [Fact]
    public async Task GetItem_BodyTamperedAfterSigning_InvalidSignature()
    {
        using var client = fixture.Host.CreateDynamoDbClient(fixture.OrgASession, c => c.HttpClientFactory = new BodyRewritingHttpClientFactory("\"org-a\"", "\"org-b\""));
        await FailsWithAsync("InvalidSignatureException", () => client.GetItemAsync(OrgAItem()));
    }
}
