using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
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

    [Fact]
    public void CreateSsm_NoServiceUrl_UsesTheRegionalEndpoint()
    {
        using var ssm = (AmazonSimpleSystemsManagementClient)AwsClientFactory.CreateSsm(Options("eu-west-1"));

        var endpoint = ssm.DetermineServiceOperationEndpoint(new GetParametersRequest());

        Assert.Equal("https://ssm.eu-west-1.amazonaws.com", endpoint.URL.TrimEnd('/'));
    }

    [Fact]
    public void CreateSsm_ServiceUrl_UsesItAndSignsForTheRegion()
    {
        var options = Options("us-east-1");
        options.SsmServiceUrl = new Uri("http://127.0.0.1:4566");
        using var ssm = (AmazonSimpleSystemsManagementClient)AwsClientFactory.CreateSsm(options);

        var endpoint = ssm.DetermineServiceOperationEndpoint(new GetParametersRequest());

        Assert.Equal("http://127.0.0.1:4566", endpoint.URL.TrimEnd('/'));
        Assert.Equal("us-east-1", ssm.Config.AuthenticationRegion);
    }
}
