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
    public void AllowedEnvironments_ExactlyDevelopmentAndLocal()
    {
        Assert.Equal(["Development", "Local"], DevelopmentEnvelopeKeys.AllowedEnvironments);
    }

    [Fact]
    public void IsPublished_AnotherKey_False()
    {
        Assert.False(DevelopmentEnvelopeKeys.IsPublished(EnvelopeTestData.KeyOf("k1", 7).Key.Span));
    }

    [Theory]
    [InlineData("Development", true)]
    [InlineData("Local", true)]
    [InlineData("local", true)]       // case-insensitive, as IHostEnvironment.IsEnvironment compares
    [InlineData("DEVELOPMENT", true)]
    [InlineData("Production", false)]
    [InlineData("Staging", false)]
    [InlineData("Test", false)]
    [InlineData("Testing", false)]
    [InlineData("Localhost", false)]  // exact names, not prefixes
    [InlineData("DevelopmentX", false)]
    [InlineData("Developmen", false)] // nor prefixes of them
    [InlineData("Loca", false)]
    [InlineData(" Development", false)]
    [InlineData("Development ", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void AllowedIn_DevelopmentAndLocalOnly(string? environment, bool allowed)
    {
        Assert.Equal(allowed, DevelopmentEnvelopeKeys.AllowedIn(environment));
    }
}
