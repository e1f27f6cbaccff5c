using Gateway.Authentication;
using Gateway.Configuration;

namespace Gateway.Tests.Configuration;

public sealed class GatewayAuthenticationOptionsValidatorTests
{
    private static GatewayAuthenticationOptions Valid() => new() { Authority = new Uri("https://login.example.com/") };

    [Fact]
    public void Validate_HttpsAuthority_Succeeds() => Assert.True(new GatewayAuthenticationOptionsValidator().Validate(null, Valid()).Succeeded);

    [Theory]
    [InlineData("http://127.0.0.1:4566", true)]
    [InlineData("http://localhost:4566", true)]
    [InlineData("http://idp.internal.example.com", false)]
    [InlineData("http://10.0.0.5:8080", false)]
    public void Validate_HttpAuthorityAllowed_OnlyOnLoopback(string authority, bool valid)
    {
        var options = Valid();
        options.Authority = new Uri(authority);
        options.AllowHttpAuthority = true;

        var result = new GatewayAuthenticationOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains(result.Failures!, f => f.Contains("only permits a loopback Authority", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Validate_HttpAuthorityOnlyWhenAllowed()
    {
        var options = Valid();
        options.Authority = new Uri("http://127.0.0.1:4566");
        Assert.True(new GatewayAuthenticationOptionsValidator().Validate(null, options).Failed);

        options.AllowHttpAuthority = true;
        Assert.True(new GatewayAuthenticationOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validate_WeakSettings_ReportsEveryError()
    {
        var options = Valid();
        options.ClockSkew = TimeSpan.FromMinutes(5);
        options.Algorithms = ["RS256", "HS256", "none"];
        options.Audience = "";

        var failures = new GatewayAuthenticationOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Contains(failures, f => f.Contains("ClockSkew", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("'HS256'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("'none'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Audience", StringComparison.Ordinal));
    }
}
