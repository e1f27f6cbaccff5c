using Gateway.Configuration;

namespace Gateway.Tests.Configuration;

public sealed class ForwardingOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() => Assert.True(new ForwardingOptionsValidator().Validate(null, new ForwardingOptions()).Succeeded);

    [Theory]
    [InlineData("X-Internal-Debug", true)]
    [InlineData("x_legacy_*", true)]
    [InlineData("*", false)]
    [InlineData("", false)]
    [InlineData("X Bad", false)]
    [InlineData("X-Bad:", false)]
    [InlineData("X-*-Mid", false)]
    public void Validate_StripHeaders_OnlyHeaderNamesOrPrefixesAccepted(string entry, bool valid)
    {
        var options = new ForwardingOptions { StripHeaders = [entry] };

        var result = new ForwardingOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("TenantIsolation:Forwarding:StripHeaders:0", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validate_NegativeEnvelopesPerCredential_FailsNamingTheNewKey()
    {
        var failure = Assert.Single(new ForwardingOptionsValidator().Validate(null, new ForwardingOptions { EnvelopesPerCredential = -1 }).Failures!);

        Assert.StartsWith("TenantIsolation:Forwarding:EnvelopesPerCredential must not be negative", failure, StringComparison.Ordinal);
    }
}
