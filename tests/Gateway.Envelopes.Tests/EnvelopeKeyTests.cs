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
    [InlineData("standard")]
    [InlineData("standard-unpadded")]
    [InlineData("url-safe")]
    [InlineData("url-safe-padded")]
    [InlineData("openssl-wrapped")]
    [InlineData("surrounding-whitespace")]
    public void TryDecodeBase64_EveryAcceptedForm_SameBytes(string form)
    {
        // A key with '+' and '/' in its standard base64, so the URL-safe forms really differ.
        var bytes = Enumerable.Range(0, 64).Select(i => (byte)(0xF8 + (i % 8))).ToArray();
        var standard = Convert.ToBase64String(bytes);
        Assert.Contains('+', standard);
        Assert.Contains('/', standard);
        var text = form switch
        {
            "standard" => standard,
            "standard-unpadded" => standard.TrimEnd('='),
            "url-safe" => standard.TrimEnd('=').Replace('+', '-').Replace('/', '_'),
            "url-safe-padded" => standard.Replace('+', '-').Replace('/', '_'),
            "openssl-wrapped" => standard[..64] + "\n" + standard[64..] + "\n",
            _ => "  " + standard + "\r\n",
        };

        Assert.True(EnvelopeKey.TryDecodeBase64(text, out var decoded));
        Assert.Equal(bytes, decoded);
        Assert.True(EnvelopeKey.FromBase64("k1", text).Key.Span.SequenceEqual(bytes));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("abcde")]
    [InlineData("ab$d")]
    [InlineData("ab=cd")]
    public void TryDecodeBase64_NotBase64_False(string? text)
    {
        Assert.False(EnvelopeKey.TryDecodeBase64(text, out var decoded));
        Assert.Null(decoded);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData(" k1", false)]
    [InlineData("k1 ", false)]
    [InlineData("k\u00001", false)]
    [InlineData("k1", true)]
    [InlineData("key id with inner spaces", true)]
    public void IsValidKeyId_SameRuleAsTheConstructor(string? keyId, bool valid)
    {
        Assert.Equal(valid, EnvelopeKey.IsValidKeyId(keyId));
        if (keyId is not null)
        {
            Assert.Equal(valid, Record.Exception(() => new EnvelopeKey(keyId, new byte[64])) is null);
        }
    }

    [Fact]
    public void IsValidKeyId_LongestAcceptedLength()
    {
        Assert.True(EnvelopeKey.IsValidKeyId(new string('k', EnvelopeKey.MaxKeyIdLength)));
        Assert.False(EnvelopeKey.IsValidKeyId(new string('k', EnvelopeKey.MaxKeyIdLength + 1)));
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
