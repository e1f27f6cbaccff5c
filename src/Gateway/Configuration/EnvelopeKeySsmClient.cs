using Amazon.SimpleSystemsManagement;
using Gateway.Isolation.Aws;
using Gateway.Isolation.Configuration;

namespace Gateway.Configuration;

/// <summary>
/// The SSM client <see cref="EnvelopeKeyParameterResolver"/> reads envelope key parameters with: the gateway's own AWS
/// identity (<see cref="AwsClientFactory.GatewayCredentials"/>), <see cref="AwsOptions.SsmServiceUrl"/> (LocalAws) or the
/// regional endpoint of <see cref="AwsOptions.Region"/>.
/// </summary>
internal static class EnvelopeKeySsmClient
{
    public static IAmazonSimpleSystemsManagement Create(AwsOptions aws)
    {
        ArgumentNullException.ThrowIfNull(aws);
        var config = new AmazonSimpleSystemsManagementConfig
        {
            MaxErrorRetry = 2, // a throttled or dropped call should not fail the read (at start-up: stop the gateway)
            Timeout = aws.RequestTimeout,
        };
        AwsClientFactory.PointAt(config, aws.SsmServiceUrl, aws.Region);

        return new AmazonSimpleSystemsManagementClient(AwsClientFactory.GatewayCredentials(aws), config);
    }
}
