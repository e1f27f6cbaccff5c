using System.Text;

namespace Gateway.Envelopes.Tests;

public sealed class EnvelopeKeyTests
{
    [Fact]
    public void FromBase64_LocalDevelopmentKey_Is64AsciiBytes()
    {
        var key = EnvelopeTestData.LocalKey;

        Assert.Equal("local-1", key.KeyId);
        Assert.Equal("local-development-envelope-key-not-for-production-use-0123456789", Encoding.ASCII.GetString(key.Key.Span));
    }

    [Fact]
    public void FromBase64_UrlSafeUnpadded_SameKey()
    {
        var urlSafe = EnvelopeTestData.LocalKeyBase64.TrimEnd('=').Replace('+', '-').Replace('/', '_');

        var key = EnvelopeKey.FromBase64("local-1", urlSafe);

        Assert.True(key.Key.Span.SequenceEqual(EnvelopeTestData.LocalKey.Key.Span));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(32, false)]
    [InlineData(63, false)]
    [InlineData(64, true)]
    [InlineData(65, false)]
    public void Constructor_KeyLength_OnlySixtyFourBytesAccepted(int length, bool accepted)
    {
        var exception = Record.Exception(() => new EnvelopeKey("k1", new byte[length]));

        if (accepted)
        {
            Assert.Null(exception);
        }
        else
        {
            Assert.IsType<ArgumentException>(exception);
        }
    }

    [Theory]
    [InlineData("", false)]
    [InlineData(" k1", false)]
    [InlineData("k\n1", false)]
    [InlineData("k1", true)]
    [InlineData("gateway-2026-03", true)]
    public void Constructor_KeyId_Validated(string keyId, bool accepted)
    {
        var exception = Record.Exception(() => new EnvelopeKey(keyId, new byte[64]));

        Assert.Equal(accepted, exception is null);
    }

    [Fact]
    public void FromBase64_NotBase64_ThrowsWithoutEchoingTheValue()
    {
        const string value = "this-is-not-base64-$$$-secretish";

        var exception = Assert.Throws<ArgumentException>(() => EnvelopeKey.FromBase64("k1", value));

        Assert.DoesNotContain(value, exception.Message, StringComparison.Ordinal);
        Assert.Contains("k1", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_ShowsKeyIdButNeverKeyMaterial()
    {
        var key = EnvelopeTestData.LocalKey;

        var text = key.ToString();

        Assert.Contains("local-1", text, StringComparison.Ordinal);
        Assert.DoesNotContain(EnvelopeTestData.LocalKeyBase64, text, StringComparison.Ordinal);
        Assert.DoesNotContain("local-development", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_CopiesKeyBytes()
    {
        var bytes = Enumerable.Repeat((byte)7, 64).ToArray();
        var key = new EnvelopeKey("k1", bytes);

        bytes[0] = 0;

        Assert.Equal(7, key.Key.Span[0]);
    }
}
