namespace Gateway.Isolation.Configuration;

/// <summary>The <c>TenantIsolation:Aws</c> section: where and as whom the gateway itself talks to AWS.</summary>
public sealed class AwsOptions
{
    /// <summary>AWS region for STS, DynamoDB and the ARNs in session policies. Default us-east-1.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Optional STS endpoint override (LocalAws locally). Default: the regional endpoint (sts.REGION.amazonaws.com; AWS SDK v4 never uses the global one).</summary>
    public Uri? StsServiceUrl { get; set; }

    /// <summary>Optional DynamoDB endpoint override for the membership tables. Default: the regional endpoint.</summary>
    public Uri? DynamoDbServiceUrl { get; set; }

    /// <summary>Optional SSM endpoint override for envelope key parameters (LocalAws locally). Default: the regional endpoint.</summary>
    public Uri? SsmServiceUrl { get; set; }

    /// <summary>Static access key id for the gateway's own identity (local development only). Default: the SDK credential chain.</summary>
    public string? AccessKeyId { get; set; }

    /// <summary>Static secret for <see cref="AccessKeyId"/>. Never logged.</summary>
    public string? SecretAccessKey { get; set; }

    /// <summary>Timeout of one HTTP attempt of the AWS SDK clients. Default 3 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(3);

    public override string ToString() => $"AwsOptions {{ Region = {Region}, StsServiceUrl = {StsServiceUrl}, DynamoDbServiceUrl = {DynamoDbServiceUrl}, SsmServiceUrl = {SsmServiceUrl}, AccessKeyId = {AccessKeyId}, SecretAccessKey = [redacted] }}";
}
