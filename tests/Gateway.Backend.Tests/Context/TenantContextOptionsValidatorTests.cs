using Gateway.Backend.Context;
using Gateway.Backend.Tests.Envelopes;

namespace Gateway.Backend.Tests.Context;

public sealed class TenantContextOptionsValidatorTests
{
    [Fact]
    public void Validate_LocalConfiguration_Succeeds()
    {
        var result = new TenantContextOptionsValidator().Validate(null, Valid());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_EverythingWrong_ReportsEveryErrorByKeyWithoutEchoingKeys()
    {
        var options = new TenantContextOptions { Audience = "", Issuer = " ", RejectionStatusCode = 500 };
        options.Keys.Add(new EnvelopeKeyOptions { KeyId = "k1", Key = "dG9vLXNob3J0LXNlY3JldA==" });
        options.Keys.Add(new EnvelopeKeyOptions { KeyId = "k1", Key = EnvelopeTestData.LocalKeyBase64 });
        options.Keys.Add(new EnvelopeKeyOptions { KeyId = "", Key = EnvelopeTestData.LocalKeyBase64 });
        options.DynamoDb.ServiceUrl = "localhost:4566";
        options.DynamoDb.Region = "";

        var result = new TenantContextOptionsValidator().Validate(null, options);

        Assert.False(result.Succeeded);
        var failures = result.Failures!.ToArray();
        Assert.Contains(failures, f => f.Contains("TenantContext:Audience", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TenantContext:Issuer", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TenantContext:RejectionStatusCode", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TenantContext:Keys:0:Key", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TenantContext:Keys:1:KeyId 'k1' is a duplicate", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TenantContext:Keys:2:KeyId", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TenantContext:DynamoDb:ServiceUrl", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TenantContext:DynamoDb:Region", StringComparison.Ordinal));
        Assert.DoesNotContain("dG9vLXNob3J0LXNlY3JldA", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("us-east-1", null, true)]
    [InlineData("mars-north-1", null, false)]
    [InlineData("local", "http://127.0.0.1:4566", true)]
    public void Validate_Region_KnownUnlessServiceUrlOverrides(string region, string? serviceUrl, bool valid)
    {
        var options = Valid();
        options.DynamoDb.Region = region;
        options.DynamoDb.ServiceUrl = serviceUrl;

        Assert.Equal(valid, new TenantContextOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validate_NoKeys_Fails()
    {
        var options = Valid();
        options.Keys.Clear();

        var result = new TenantContextOptionsValidator().Validate(null, options);

        Assert.Contains("TenantContext:Keys", result.FailureMessage, StringComparison.Ordinal);
    }

    private static TenantContextOptions Valid()
    {
        var options = new TenantContextOptions { Audience = "applications" };
        options.Keys.Add(new EnvelopeKeyOptions { KeyId = "local-1", Key = EnvelopeTestData.LocalKeyBase64 });
        return options;
    }
}
