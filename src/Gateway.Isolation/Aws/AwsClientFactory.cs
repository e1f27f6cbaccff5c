using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.SecurityToken;
using Gateway.Isolation.Configuration;

namespace Gateway.Isolation.Aws;

/// <summary>
/// Creates the gateway's own AWS clients (its identity, not a tenant's): STS for AssumeRole, DynamoDB for memberships
/// (the host's SSM client for envelope key parameters signs with <see cref="GatewayCredentials"/> too). Without a service
/// URL each uses the regional endpoint of <see cref="AwsOptions.Region"/>.
/// </summary>
public static class AwsClientFactory
{
    public static AWSCredentials GatewayCredentials(AwsOptions aws)
    {
        ArgumentNullException.ThrowIfNull(aws);
        if (!string.IsNullOrEmpty(aws.AccessKeyId) && !string.IsNullOrEmpty(aws.SecretAccessKey))
        {
            return new BasicAWSCredentials(aws.AccessKeyId, aws.SecretAccessKey);
        }

        try
        {
            return DefaultAWSCredentialsIdentityResolver.GetCredentials();
        }
        catch (AmazonClientException e)
        {
            // The SDK's message lists every provider it tried over several lines; the operator needs one line.
            throw new GatewayStartupException(
                "no AWS credentials for the gateway's own identity: the default AWS credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                + "web identity token, AWS_PROFILE/shared config, ECS container or EC2 instance role) resolved none. Give the gateway a role or "
                + "profile (for local development: ASPNETCORE_ENVIRONMENT=Local, or TenantIsolation:Aws:AccessKeyId and SecretAccessKey).",
                e);
        }
    }

    public static IAmazonSecurityTokenService CreateSts(AwsOptions aws)
    {
        ArgumentNullException.ThrowIfNull(aws);
        var config = new AmazonSecurityTokenServiceConfig
        {
            MaxErrorRetry = 0, // the Polly pipeline owns retries
            Timeout = aws.RequestTimeout,
        };
        PointAt(config, aws.StsServiceUrl, aws.Region);

        return new AmazonSecurityTokenServiceClient(GatewayCredentials(aws), config);
    }

    public static IAmazonDynamoDB CreateDynamoDb(AwsOptions aws) => CreateDynamoDb(aws, GatewayCredentials(aws));

    /// <summary>A DynamoDB client for the configured endpoint signed with <paramref name="credentials"/> (e.g. a tenant session's).</summary>
    public static IAmazonDynamoDB CreateDynamoDb(AwsOptions aws, AWSCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(aws);
        var config = new AmazonDynamoDBConfig
        {
            MaxErrorRetry = 1,
            Timeout = aws.RequestTimeout,
        };
        PointAt(config, aws.DynamoDbServiceUrl, aws.Region);

        return new AmazonDynamoDBClient(credentials, config);
    }

    /// <summary>A configured service URL (LocalAws) signed for <paramref name="region"/>, or the region's own endpoint.</summary>
    public static void PointAt(ClientConfig config, Uri? serviceUrl, string region)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (serviceUrl is not null)
        {
            config.ServiceURL = serviceUrl.ToString();
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
    }
}
