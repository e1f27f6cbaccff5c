using System.Text.Json;
using LocalAws.Tokens;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LocalAws.Tests.Tokens;

/// <summary><see cref="DevTokenIssuer.Rotate"/>: what the JWKS lists and which key signs, after a rotation.</summary>
public sealed class DevTokenIssuerRotationTests : IDisposable
{
    private readonly DevTokenIssuer _issuer = new("tenant-gateway", TimeProvider.System);

    private List<string> JwksKeyIds()
    {
        using var jwks = JsonDocument.Parse(JsonSerializer.Serialize(_issuer.Jwks()));
        return jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).ToList();
    }

    private static string KidOf(string token) => new JsonWebToken(token).Kid;

    private string Mint() => _issuer.Mint("alice", null, TimeSpan.FromMinutes(5), null);

    [Fact]
    public void Rotate_WithoutKeepingThePrevious_WithdrawsTheOldKeyAndSignsWithTheNew()
    {
        var before = Mint();
        var oldKid = _issuer.KeyId;

        _issuer.Rotate(keepPrevious: false);

        Assert.Equal([_issuer.KeyId], JwksKeyIds());
        Assert.NotEqual(oldKid, _issuer.KeyId);
        Assert.Equal(oldKid, KidOf(before));
        Assert.Equal(_issuer.KeyId, KidOf(Mint()));
    }

    [Fact]
    public void Rotate_KeepingThePrevious_ListsBothKeys()
    {
        var oldKid = _issuer.KeyId;

        _issuer.Rotate(keepPrevious: true);

        Assert.Equal([_issuer.KeyId, oldKid], JwksKeyIds());
        _issuer.Rotate(keepPrevious: true); // only the one before stays: the oldest is withdrawn
        Assert.DoesNotContain(oldKid, JwksKeyIds());
    }

    [Fact]
    public async Task Jwks_PublishedKey_VerifiesTheTokensItSigned()
    {
        _issuer.Rotate(keepPrevious: false);
        var token = Mint();
        var key = new JsonWebKeySet(JsonSerializer.Serialize(_issuer.Jwks())).GetSigningKeys().Single();

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidateIssuer = false,
            ValidAudience = "tenant-gateway",
            IssuerSigningKey = key,
        });

        Assert.True(result.IsValid, result.Exception?.Message);
    }

    public void Dispose() => _issuer.Dispose();
}
