using System.Text;
using System.Text.Json;

namespace Gateway.Envelopes.Tests;

public sealed class TenantEnvelopeWriterTests
{
    [Fact]
    public void Write_Header_IsDirA256CbcHs512WithKid()
    {
        var writer = new TenantEnvelopeWriter(EnvelopeTestData.LocalKey, EnvelopeTestData.Issuer, EnvelopeTestData.Clock());

        var token = writer.Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, TimeSpan.FromMinutes(5));

        var parts = token.Split('.');
        Assert.Equal(5, parts.Length);
        Assert.Empty(parts[1]); // dir: no encrypted key
        using var header = JsonDocument.Parse(Base64UrlDecode(parts[0]));
        Assert.Equal("dir", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("A256CBC-HS512", header.RootElement.GetProperty("enc").GetString());
        Assert.Equal("local-1", header.RootElement.GetProperty("kid").GetString());
    }

    [Fact]
    public void Write_Ciphertext_DoesNotContainCredentialsInClear()
    {
        var writer = new TenantEnvelopeWriter(EnvelopeTestData.LocalKey, EnvelopeTestData.Issuer, EnvelopeTestData.Clock());

        var token = writer.Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, TimeSpan.FromMinutes(5));

        Assert.DoesNotContain(EnvelopeTestData.Base64Url(EnvelopeTestData.Secret)[..20], token, StringComparison.Ordinal);
        Assert.DoesNotContain("acme", token, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCredentials_OwnEnvelopeAfterItsExpiry_GivesBackSecretAndToken()
    {
        var clock = EnvelopeTestData.Clock();
        var writer = new TenantEnvelopeWriter(EnvelopeTestData.LocalKey, EnvelopeTestData.Issuer, clock);
        var token = writer.Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, TimeSpan.FromMinutes(5));
        clock.Advance(TimeSpan.FromMinutes(30)); // the gateway reads back credentials it holds sealed after the envelope's exp

        var (secret, sessionToken) = writer.ReadCredentials(token);

        Assert.Equal(EnvelopeTestData.Secret, secret);
        Assert.Equal(EnvelopeTestData.Token, sessionToken);
    }

    [Fact]
    public void ReadCredentials_EnvelopeOfAnotherKeyOrTampered_Throws()
    {
        var writer = new TenantEnvelopeWriter(EnvelopeTestData.LocalKey, EnvelopeTestData.Issuer, EnvelopeTestData.Clock());
        var other = new TenantEnvelopeWriter(EnvelopeTestData.KeyOf("local-1", 7), EnvelopeTestData.Issuer, EnvelopeTestData.Clock());
        var token = writer.Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, TimeSpan.FromMinutes(5));
        var parts = token.Split('.');
        var ciphertext = parts[3].ToCharArray();
        ciphertext[5] = ciphertext[5] == 'A' ? 'B' : 'A';
        parts[3] = new string(ciphertext);

        Assert.ThrowsAny<Exception>(() => other.ReadCredentials(token)); // same kid, other key material
        Assert.ThrowsAny<Exception>(() => writer.ReadCredentials(string.Join('.', parts)));
        Assert.Equal(EnvelopeTestData.Token, writer.ReadCredentials(token).SessionToken); // the twin: its own, untouched
    }

    [Fact]
    public void Write_SameEnvelopeTwice_DifferentCiphertexts()
    {
        var writer = new TenantEnvelopeWriter(EnvelopeTestData.LocalKey, EnvelopeTestData.Issuer, EnvelopeTestData.Clock());

        var first = writer.Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, TimeSpan.FromMinutes(5));
        var second = writer.Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, TimeSpan.FromMinutes(5));

        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData(300, 3600, 300)]   // lifetime shorter than the credentials
    [InlineData(300, 120, 120)]    // credentials expire first: exp = credential expiry
    public void Write_Expiry_IsMinimumOfLifetimeAndCredentialExpiry(int lifetimeSeconds, int credentialSeconds, int expectedSeconds)
    {
        var clock = EnvelopeTestData.Clock();
        var writer = new TenantEnvelopeWriter(EnvelopeTestData.LocalKey, EnvelopeTestData.Issuer, clock);
        var token = writer.Write(
            EnvelopeTestData.Envelope(EnvelopeTestData.Start.AddSeconds(credentialSeconds)),
            EnvelopeTestData.Audience,
            TimeSpan.FromSeconds(lifetimeSeconds));
        var reader = new TenantEnvelopeReader([EnvelopeTestData.LocalKey], EnvelopeTestData.Issuer, EnvelopeTestData.Audience, clock);

        clock.Advance(TimeSpan.FromSeconds(expectedSeconds - 1));
        var justBefore = reader.Read(token);
        clock.Advance(TimeSpan.FromSeconds(1 + 30 + 1));
        var after = reader.Read(token);

        Assert.True(justBefore.Succeeded);
        Assert.Equal(EnvelopeFailureCodes.Expired, after.FailureCode);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(-60, false)]
    [InlineData(2, true)]
    public void Write_CredentialsExpiredOrAboutTo_Refused(int credentialSecondsLeft, bool written)
    {
        var writer = new TenantEnvelopeWriter(EnvelopeTestData.LocalKey, EnvelopeTestData.Issuer, EnvelopeTestData.Clock());
        var envelope = EnvelopeTestData.Envelope(EnvelopeTestData.Start.AddSeconds(credentialSecondsLeft));

        var exception = Record.Exception(() => writer.Write(envelope, EnvelopeTestData.Audience, TimeSpan.FromMinutes(5)));

        Assert.Equal(written, exception is null);
    }

    [Fact]
    public void Write_MissingSessionToken_ThrowsWithoutSecrets()
    {
        var writer = new TenantEnvelopeWriter(EnvelopeTestData.LocalKey, EnvelopeTestData.Issuer, EnvelopeTestData.Clock());
        var envelope = EnvelopeTestData.Envelope() with { SessionToken = "" };

        var exception = Assert.Throws<ArgumentException>(() => writer.Write(envelope, EnvelopeTestData.Audience, TimeSpan.FromMinutes(5)));

        Assert.Contains("SessionToken", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(EnvelopeTestData.Secret, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_NonPositiveLifetime_Throws()
    {
        var writer = new TenantEnvelopeWriter(EnvelopeTestData.LocalKey, EnvelopeTestData.Issuer, EnvelopeTestData.Clock());

        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, TimeSpan.Zero));
    }

    private static string Base64UrlDecode(string value)
    {
        var normalized = value.Replace('-', '+').Replace('_', '/');
        normalized = normalized.PadRight(normalized.Length + ((4 - (normalized.Length % 4)) % 4), '=');
        return Encoding.UTF8.GetString(Convert.FromBase64String(normalized));
    }
}
