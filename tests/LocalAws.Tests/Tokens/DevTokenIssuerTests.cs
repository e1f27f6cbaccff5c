using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace LocalAws.Tests.Tokens;

/// <summary>Dev tokens validated the way the gateway validates them: discovery → JWKS → JsonWebTokenHandler.</summary>
[Collection(LocalAwsTestGroup.Name)]
public sealed class DevTokenIssuerTests(LocalAwsFixture fixture)
{
    private async Task<TokenValidationParameters> ParametersAsync()
    {
        var manager = new ConfigurationManager<OpenIdConnectConfiguration>(
            fixture.Host.Issuer + "/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(fixture.Host.Http) { RequireHttps = false });
        var configuration = await manager.GetConfigurationAsync(CancellationToken.None);
        Assert.Equal(fixture.Host.Issuer, configuration.Issuer);
        return new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = "tenant-gateway",
            IssuerSigningKeys = configuration.SigningKeys,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ClockSkew = TimeSpan.FromSeconds(5),
        };
    }

    [Fact]
    public async Task MintedToken_ValidatesAgainstDiscoveredJwks()
    {
        var token = await fixture.Host.MintTokenAsync("alice", claims: new Dictionary<string, object?> { ["org_id"] = "acme" });
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, await ParametersAsync());
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("alice", result.Claims["sub"]);
        Assert.Equal("acme", result.Claims["org_id"]);
    }

    [Fact]
    public async Task MintedToken_WithChangedPayload_FailsSignature()
    {
        var token = await fixture.Host.MintTokenAsync("alice", claims: new Dictionary<string, object?> { ["org_id"] = "acme" });
        var parts = token.Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]).Replace("\"acme\"", "\"globex\"", StringComparison.Ordinal);
        var forged = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(forged, await ParametersAsync());
        Assert.False(result.IsValid);
        Assert.IsAssignableFrom<SecurityTokenInvalidSignatureException>(result.Exception);
    }

    [Fact]
    public async Task MintedToken_NegativeLifetime_IsExpired()
    {
        var token = await fixture.Host.MintTokenAsync("alice", expiresInSeconds: -60);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, await ParametersAsync());
        Assert.IsType<SecurityTokenExpiredException>(result.Exception);
    }

    [Fact]
    public async Task MintedToken_OtherAudience_FailsAudienceValidation()
    {
        var token = await fixture.Host.MintTokenAsync("alice", audience: "someone-else");
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, await ParametersAsync());
        Assert.IsType<SecurityTokenInvalidAudienceException>(result.Exception);
    }
}
