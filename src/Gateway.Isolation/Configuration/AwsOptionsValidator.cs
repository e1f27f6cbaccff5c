using System.Text.RegularExpressions;

namespace Gateway.Isolation.Configuration;

/// <summary>The <c>TenantIsolation:Aws</c> section (<see cref="AwsOptions"/>).</summary>
internal static partial class AwsOptionsValidator
{
    public static void Validate(AwsOptions aws, string section, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(aws.Region) || !RegionPattern().IsMatch(aws.Region))
        {
            errors.Add($"{section}:Region '{aws.Region}' is not an AWS region name (e.g. us-east-1).");
        }

        if (aws.StsServiceUrl is { IsAbsoluteUri: false })
        {
            errors.Add($"{section}:StsServiceUrl must be an absolute URL.");
        }

        if (aws.DynamoDbServiceUrl is { IsAbsoluteUri: false })
        {
            errors.Add($"{section}:DynamoDbServiceUrl must be an absolute URL.");
        }

        if (aws.SsmServiceUrl is { IsAbsoluteUri: false })
        {
            errors.Add($"{section}:SsmServiceUrl must be an absolute URL.");
        }

        if (string.IsNullOrEmpty(aws.AccessKeyId) != string.IsNullOrEmpty(aws.SecretAccessKey))
        {
            errors.Add($"{section}:AccessKeyId and {section}:SecretAccessKey must be set together (or both left empty to use the AWS credential chain).");
        }

        if (aws.RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{section}:RequestTimeout must be positive.");
        }
    }

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-\\d$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();
}
