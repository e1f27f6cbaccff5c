using System.Security.Claims;
using System.Text;
using Gateway.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Authentication;

public sealed class TokenShapeTests
{
    // Unsigned compact tokens: TokenShape runs after signature validation and only looks at the structure.
    private static JsonWebToken Token(string payloadJson, string headerJson = """{"alg":"RS256","kid":"k1"}""")
        => new($"{Base64UrlEncoder.Encode(headerJson)}.{Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(payloadJson))}.c2ln");

    [Theory]
    [InlineData("""{"sub":"alice","org_id":"acme","exp":1}""")]
    [InlineData("""{"sub":"alice","roles":["a","b"],"nested":{"sub":1,"sub2":[1,{"x":2}]}}""")] // nested members are not claims
    [InlineData("""{"sub":"alice"}""")]
    public void Problem_WellFormed_Null(string payload) => Assert.Null(TokenShape.Problem(Token(payload), "sub", "org_id"));

    [Theory]
    [InlineData("""{"sub":"bob","sub":"alice"}""", "duplicate claim")]
    [InlineData("""{"sub":"alice","exp":1,"exp":2}""", "duplicate claim")]
    [InlineData("""{"sub":123}""", "identity claim is not a string")]
    [InlineData("""{"sub":"alice","org_id":["acme"]}""", "identity claim is not a string")] // IdentityModel itself refuses such a "sub"
    [InlineData("""{"sub":"alice","org_id":{"id":"acme"}}""", "identity claim is not a string")]
    [InlineData("""{"sub":"alice","org_id":true}""", "identity claim is not a string")]
    [InlineData("""{"sub":null}""", "identity claim is not a string")]
    [InlineData("""{"sub":"alice","org_id":7}""", "identity claim is not a string")]
    public void Problem_Malformed_Named(string payload, string expected)
        => Assert.Equal(expected, TokenShape.Problem(Token(payload), "sub", "org_id"));

    [Fact]
    public void Problem_CritHeader_Refused_WithoutCritAccepted()
    {
        Assert.Equal("crit header", TokenShape.Problem(Token("""{"sub":"alice"}""", """{"alg":"RS256","crit":["exp"],"exp":1}"""), "sub", "org_id"));
        Assert.Null(TokenShape.Problem(Token("""{"sub":"alice"}""", """{"alg":"RS256","exp":1}"""), "sub", "org_id"));
    }

    [Fact]
    public void Problem_ConfiguredUserIdClaim_OnlyThatClaimMustBeAString()
    {
        Assert.Null(TokenShape.Problem(Token("""{"sub":1,"uid":"alice"}"""), "uid", null));
        Assert.Equal("identity claim is not a string", TokenShape.Problem(Token("""{"sub":"x","uid":1}"""), "uid", null));
    }

    [Theory]
    [InlineData("""{"sub":"bob","sub":"alice"}""", false)]
    [InlineData("""{"sub":123}""", false)]
    [InlineData("""{"sub":"alice"}""", true)]
    public async Task OnTokenValidated_AppliesTokenShape(string payload, bool accepted)
    {
        var options = new JwtBearerOptions();
        new JwtBearerOptionsSetup(TestOptions.Wrap(new GatewayAuthenticationOptions { Authority = new Uri("https://login.example.com/") }))
            .Configure(JwtBearerDefaults.AuthenticationScheme, options);
        var scheme = new AuthenticationScheme(JwtBearerDefaults.AuthenticationScheme, null, typeof(JwtBearerHandler));
        var context = new TokenValidatedContext(new DefaultHttpContext(), scheme, options)
        {
            // The principal as JwtBearer builds it (the library keeps the last "sub"): only TokenShape sees the duplicate or the number.
            Principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice")], "Bearer")),
            SecurityToken = Token(payload),
        };

        await options.Events.TokenValidated(context);

        Assert.Equal(accepted, context.Result?.Failure is null);
    }
}
