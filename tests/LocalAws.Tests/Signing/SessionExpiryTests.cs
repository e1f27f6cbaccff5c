using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using static LocalAws.Tests.LocalAwsFixture;

namespace LocalAws.Tests.Signing;

/// <summary>Session expiry, driven by LocalAws's credential clock (<c>POST /_localaws/clock</c>).</summary>
[Collection(LocalAwsTestGroup.Name)]
public sealed class SessionExpiryTests(LocalAwsFixture fixture)
{
    [Fact]
    public async Task GetItem_SessionBeforeAndAfterExpiry_SucceedsThenExpiredToken()
    {
        var credentials = await fixture.AssumeAsync(SessionPolicyJson(OrgA), "short-session", durationSeconds: 900);
        using var client = fixture.Host.CreateDynamoDbClient(credentials);
        var request = new GetItemRequest
        {
            TableName = Table,
            Key = new() { ["organizationId"] = new AttributeValue { S = OrgA }, ["applicationId"] = new AttributeValue { S = "app-1" } },
        };

        var before = await client.GetItemAsync(request);
        Assert.True(before.IsItemSet);

        await fixture.Host.AdvanceClockAsync(TimeSpan.FromSeconds(901));
        try
        {
            var e = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(() => client.GetItemAsync(request));
            Assert.Equal("ExpiredTokenException", e.ErrorCode);
        }
        finally
        {
            await fixture.Host.ResetClockAsync();
        }
    }
}
