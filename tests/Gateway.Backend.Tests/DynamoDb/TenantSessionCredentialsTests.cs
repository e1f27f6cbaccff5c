using Gateway.Backend.DynamoDb;
using Gateway.Envelopes.Tests;

namespace Gateway.Backend.Tests.DynamoDb;

public sealed class TenantSessionCredentialsTests
{
    [Fact]
    public async Task GetCredentials_ReturnsTheEnvelopeSessionCredentials()
    {
        var credentials = new TenantSessionCredentials(EnvelopeTestData.Envelope());

        var sync = credentials.GetCredentials();
        var async = await credentials.GetCredentialsAsync();

        Assert.Equal("ASIAEXAMPLEACCESSKEY", sync.AccessKey);
        Assert.Equal(EnvelopeTestData.Secret, sync.SecretKey);
        Assert.Equal(EnvelopeTestData.Token, async.Token);
        Assert.True(sync.UseToken);
    }

    [Fact]
    public void ToString_Redacted()
    {
        var text = new TenantSessionCredentials(EnvelopeTestData.Envelope()).ToString();

        Assert.DoesNotContain(EnvelopeTestData.Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(EnvelopeTestData.Token, text, StringComparison.Ordinal);
        Assert.DoesNotContain("ASIAEXAMPLEACCESSKEY", text, StringComparison.Ordinal);
    }
}
