using System.Text;

namespace Gateway.Envelopes.Tests;

public sealed class DevelopmentEnvelopeKeysTests
{
    [Fact]
    public void LocalKeyBase64_IsPublished()
    {
        var key = EnvelopeKey.FromBase64(DevelopmentEnvelopeKeys.LocalKeyId, DevelopmentEnvelopeKeys.LocalKeyBase64);

        Assert.True(DevelopmentEnvelopeKeys.IsPublished(key.Key.Span));
        Assert.Equal("local-development-envelope-key-not-for-production-use-0123456789", Encoding.ASCII.GetString(key.Key.Span));
    }

    [Fact]
    public void IsPublished_AnotherKey_False()
    {
        Assert.False(DevelopmentEnvelopeKeys.IsPublished(EnvelopeTestData.KeyOf("k1", 7).Key.Span));
    }

    [Theory]
    [InlineData("Development", true)]
    [InlineData("local", true)]
    [InlineData("Production", false)]
    [InlineData("Staging", false)]
    [InlineData(null, false)]
    public void AllowedIn_DevelopmentAndLocalOnly(string? environment, bool allowed)
    {
        Assert.Equal(allowed, DevelopmentEnvelopeKeys.AllowedIn(environment));
    }
}
