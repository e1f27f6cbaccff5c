using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.SecurityToken;
using Gateway.Configuration;

namespace Gateway.Hosting;

/// <summary>Creates the gateway's own AWS clients (its identity, not a tenant's): STS for AssumeRole, DynamoDB for memberships.</summary>
internal static class AwsClientFactory
{
    public static AWSCredentials GatewayCredentials(AwsOptions aws)
    {
        ArgumentNullException.ThrowIfNull(aws);
        return !string.IsNullOrEmpty(aws.AccessKeyId) && !string.IsNullOrEmpty(aws.SecretAccessKey)
            ? new BasicAWSCredentials(aws.AccessKeyId, aws.SecretAccessKey)
            : DefaultAWSCredentialsIdentityResolver.GetCredentials();
    }

    public static IAmazonSecurityTokenService CreateSts(AwsOptions aws)
    {
        ArgumentNullException.ThrowIfNull(aws);
        var config = new AmazonSecurityTokenServiceConfig
        {
            MaxErrorRetry = 0, // the Polly pipeline owns retries
            Timeout = aws.RequestTimeout,
        };
        if (aws.StsServiceUrl is { } url)
        {
            config.ServiceURL = url.ToString();
            config.AuthenticationRegion = aws.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(aws.Region);
        }

        return new AmazonSecurityTokenServiceClient(GatewayCredentials(aws), config);
    }

    public static IAmazonDynamoDB CreateDynamoDb(AwsOptions aws)
    {
        ArgumentNullException.ThrowIfNull(aws);
        var config = new AmazonDynamoDBConfig
        {
            MaxErrorRetry = 1,
            Timeout = aws.RequestTimeout,
        };
        if (aws.DynamoDbServiceUrl is { } url)
        {
            config.ServiceURL = url.ToString();
            config.AuthenticationRegion = aws.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(aws.Region);
        }

        return new AmazonDynamoDBClient(GatewayCredentials(aws), config);
    }
}
