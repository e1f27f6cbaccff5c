namespace Gateway.Envelopes.Tests;

public sealed class TenantEnvelopeTests
{
    [Fact]
    public void ToString_ShowsIdentityButRedactsCredentials()
    {
        var envelope = EnvelopeTestData.Envelope();

        var text = envelope.ToString();

        Assert.Contains("acme", text, StringComparison.Ordinal);
        Assert.Contains("alice", text, StringComparison.Ordinal);
        Assert.DoesNotContain(EnvelopeTestData.Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(EnvelopeTestData.Token, text, StringComparison.Ordinal);
        Assert.DoesNotContain(envelope.AccessKeyId, text, StringComparison.Ordinal);
    }
}
