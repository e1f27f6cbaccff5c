using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.SecurityToken;

namespace Gateway.Migration.Invocation;

/// <summary>
/// Where the migration's own DynamoDB calls go: <c>--endpoint URL</c> (LocalAws) or the regional endpoint of
/// <c>AWS_REGION</c>; credentials from the default AWS chain (the migration operator's identity, not the gateway's).
/// </summary>
internal static class AwsTarget
{
    public static string Region()
        => Environment.GetEnvironmentVariable("AWS_REGION") is { Length: > 0 } region ? region
            : Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") is { Length: > 0 } fallback ? fallback
            : throw new UsageException("AWS_REGION is not set (the region of the tables)");

    public static Uri? Endpoint(CommandLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var value = line.Get("--endpoint");
        if (value is null)
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new UsageException($"{line.Verb}: --endpoint must be an http(s) URL (was '{CommandLine.Truncate(value)}')");
    }

    public static IAmazonDynamoDB CreateDynamoDb(CommandLine line)
    {
        var region = Region();
        var endpoint = Endpoint(line);
        var config = new AmazonDynamoDBConfig
        {
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = 5, // throttling and 5xx; UnprocessedItems are retried by the copier itself
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return new AmazonDynamoDBClient(OperatorCredentials(), config);
    }

    /// <summary>STS with the operator's identity (the same chain, region and <c>--endpoint</c>): <c>erase</c> records who ran it (GetCallerIdentity).</summary>
    public static IAmazonSecurityTokenService CreateSts(CommandLine line)
    {
        var region = Region();
        var endpoint = Endpoint(line);
        var config = new AmazonSecurityTokenServiceConfig { RetryMode = RequestRetryMode.Standard, MaxErrorRetry = 5, Timeout = TimeSpan.FromSeconds(30) };
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return new AmazonSecurityTokenServiceClient(OperatorCredentials(), config);
    }

    private static AWSCredentials OperatorCredentials()
    {
        try
        {
            return DefaultAWSCredentialsIdentityResolver.GetCredentials();
        }
        catch (AmazonClientException e)
        {
            throw new UsageException("no AWS credentials: the default AWS credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance role) resolved none", e);
        }
    }
}
