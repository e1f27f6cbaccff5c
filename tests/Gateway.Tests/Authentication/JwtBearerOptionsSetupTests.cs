using System.Security.Cryptography;
using System.Text;
using Gateway.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Authentication;

/// <summary>Token validation rules in isolation (one reason per token); the end-to-end tests cover the same against LocalAws's issuer.</summary>
public sealed class JwtBearerOptionsSetupTests
{
    private const string Issuer = "https://login.example.com";
    private static readonly RSA SharedRsa = RSA.Create(2048); // key generation is slow; one per test class run
    private readonly RSA _rsa = SharedRsa;
    private readonly RsaSecurityKey _key;
    private readonly TokenValidationParameters _parameters;

    public JwtBearerOptionsSetupTests()
    {
        _key = new RsaSecurityKey(_rsa) { KeyId = "k1" };
        var options = new JwtBearerOptions();
        new JwtBearerOptionsSetup(TestOptions.Wrap(new GatewayAuthenticationOptions { Authority = new Uri(Issuer + "/") }))
            .Configure(JwtBearerDefaults.AuthenticationScheme, options);
        _parameters = options.TokenValidationParameters.Clone();
        _parameters.IssuerSigningKey = _key;
    }

    private string Token(string? issuer = Issuer, string audience = "tenant-gateway", DateTime? expires = null, SigningCredentials? signing = null, bool noExpiry = false)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now.AddMinutes(-1),
            NotBefore = now.AddMinutes(-1),
            Expires = noExpiry ? null : expires ?? now.AddMinutes(10),
            Claims = new Dictionary<string, object> { ["sub"] = "alice" },
            SigningCredentials = signing ?? new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = !noExpiry }.CreateToken(descriptor);
    }

    private async Task<bool> IsValidAsync(string token) => (await new JsonWebTokenHandler().ValidateTokenAsync(token, _parameters)).IsValid;

    [Fact]
    public async Task Validate_WellFormedToken_Accepted() => Assert.True(await IsValidAsync(Token()));

    [Fact]
    public async Task Validate_WrongIssuer_Rejected() => Assert.False(await IsValidAsync(Token(issuer: "https://evil.example.com")));

    [Fact]
    public async Task Validate_WrongAudience_Rejected() => Assert.False(await IsValidAsync(Token(audience: "someone-else")));

    [Fact]
    public async Task Validate_ExpiredBeyondSkew_Rejected() => Assert.False(await IsValidAsync(Token(expires: DateTime.UtcNow.AddSeconds(-45))));

    [Fact]
    public async Task Validate_ExpiredWithinSkew_Accepted() => Assert.True(await IsValidAsync(Token(expires: DateTime.UtcNow.AddSeconds(-10))));

    [Fact]
    public async Task Validate_NoExpiry_Rejected() => Assert.False(await IsValidAsync(Token(noExpiry: true)));

    [Fact]
    public async Task Validate_AlgNone_Rejected()
    {
        static string B64(string s) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(s));
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        var token = $"{B64("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{B64($"{{\"iss\":\"{Issuer}\",\"aud\":\"tenant-gateway\",\"sub\":\"alice\",\"exp\":{exp}}}")}.";

        Assert.False(await IsValidAsync(token));
    }

    [Fact]
    public async Task Validate_Hs256SignedWithPublicKey_Rejected()
    {
        var publicKeyBytes = _rsa.ExportSubjectPublicKeyInfo();
        var hmac = new SymmetricSecurityKey(publicKeyBytes) { KeyId = "k1" };
        _parameters.IssuerSigningKeys = [_key, hmac]; // even if the attacker's key were resolvable, HS256 is not an accepted algorithm

        Assert.False(await IsValidAsync(Token(signing: new SigningCredentials(hmac, SecurityAlgorithms.HmacSha256))));
    }

    [Fact]
    public void Configure_PinsAlgorithmsAndSkew()
    {
        Assert.Equal(["RS256", "ES256"], _parameters.ValidAlgorithms);
        Assert.True(_parameters.ClockSkew <= TimeSpan.FromSeconds(60));
        Assert.True(_parameters.RequireExpirationTime);
        Assert.True(_parameters.RequireSignedTokens);
    }
}
