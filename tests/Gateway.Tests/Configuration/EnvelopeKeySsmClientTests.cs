using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Gateway.Configuration;
using Gateway.Isolation.Configuration;

namespace Gateway.Tests.Configuration;

public sealed class EnvelopeKeySsmClientTests
{
    private static AwsOptions Options(string region) => new() { Region = region, AccessKeyId = "AKIAEXAMPLE000000001", SecretAccessKey = "example" };

    [Fact]
    public void Create_NoServiceUrl_UsesTheRegionalEndpoint()
    {
        using var ssm = (AmazonSimpleSystemsManagementClient)EnvelopeKeySsmClient.Create(Options("eu-west-1"));

        var endpoint = ssm.DetermineServiceOperationEndpoint(new GetParametersRequest());

        Assert.Equal("https://ssm.eu-west-1.amazonaws.com", endpoint.URL.TrimEnd('/'));
    }

    [Fact]
    public void Create_ServiceUrl_UsesItAndSignsForTheRegion()
    {
        var options = Options("us-east-1");
        options.SsmServiceUrl = new Uri("http://127.0.0.1:4566");
        using var ssm = (AmazonSimpleSystemsManagementClient)EnvelopeKeySsmClient.Create(options);

        var endpoint = ssm.DetermineServiceOperationEndpoint(new GetParametersRequest());

        Assert.Equal("http://127.0.0.1:4566", endpoint.URL.TrimEnd('/'));
        Assert.Equal("us-east-1", ssm.Config.AuthenticationRegion);
    }
}
