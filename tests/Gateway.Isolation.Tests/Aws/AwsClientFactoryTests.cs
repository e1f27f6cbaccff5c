using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Gateway.Isolation.Aws;
using Gateway.Isolation.Configuration;

namespace Gateway.Isolation.Tests.Aws;

public sealed class AwsClientFactoryTests
{
    private static AwsOptions Options(string region) => new() { Region = region, AccessKeyId = "AKIAEXAMPLE000000001", SecretAccessKey = "example" };

    [Theory]
    [InlineData("us-east-1")]
    [InlineData("eu-west-1")]
    public void CreateSts_NoServiceUrl_UsesTheRegionalEndpoint(string region)
    {
        // Never the global sts.amazonaws.com, even in us-east-1: regional STS has its own request-rate limit.
        using var sts = (AmazonSecurityTokenServiceClient)AwsClientFactory.CreateSts(Options(region));

        var endpoint = sts.DetermineServiceOperationEndpoint(new AssumeRoleRequest());

        Assert.Equal($"https://sts.{region}.amazonaws.com", endpoint.URL.TrimEnd('/'));
    }
}
