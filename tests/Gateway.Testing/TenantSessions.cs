using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Testing;

/// <summary>
/// Tenant sessions as the gateway assumes them, for tests that check what DynamoDB (LocalAws) lets a session do — a
/// revocation's cut-off, a reshard's keys: the gateway's identity assumes the tenant role with the gateway's
/// RoleSessionName, SourceIdentity and <c>organizationId</c> session tag (<see cref="SessionNames"/>,
/// <see cref="SessionPolicyBuilder.OrganizationTagKey"/>: a revocation matches on the tag) and a session policy allowing
/// GetItem and PutItem on exactly <c>leadingKeys</c> (default: the organization id alone).
/// </summary>
public static class TenantSessions
{
    /// <summary>What <see cref="GetItemAsync"/> and <see cref="PutItemAsync"/> answer when DynamoDB allowed the call.</summary>
    public const string Allowed = "allowed";

    public static async Task<IAmazonDynamoDB> AssumeAsync(LocalAwsHost aws, string organization, IReadOnlyList<string>? leadingKeys = null)
    {
        ArgumentNullException.ThrowIfNull(aws);
        var keys = JsonSerializer.Serialize(leadingKeys ?? [organization]);
        using var sts = aws.CreateStsClient(aws.GatewayCredentials);
        var response = await sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = LocalAwsHost.TenantRoleArn,
            RoleSessionName = SessionNames.RoleSessionName(OrganizationId.Parse(organization), "read-write", null),
            SourceIdentity = "tenant-gateway",
            Tags = [new Amazon.SecurityToken.Model.Tag { Key = SessionPolicyBuilder.OrganizationTagKey, Value = organization }],
            Policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem"],"Resource":"*","Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":KEYS}}}]}""".Replace("KEYS", keys, StringComparison.Ordinal),
        }).ConfigureAwait(false);
        var c = response.Credentials;
        return aws.CreateDynamoDbClient(new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken));
    }

    /// <summary>GetItem of <c>Applications</c> (<paramref name="partitionKey"/>, <paramref name="applicationId"/>): <see cref="Allowed"/> or the AWS error code.</summary>
    public static async Task<string> GetItemAsync(IAmazonDynamoDB session, string partitionKey, string applicationId)
    {
        ArgumentNullException.ThrowIfNull(session);
        try
        {
            await session.GetItemAsync(new GetItemRequest
            {
                TableName = "Applications",
                Key = new Dictionary<string, AttributeValue> { ["organizationId"] = new(partitionKey), ["applicationId"] = new(applicationId) },
            }).ConfigureAwait(false);
            return Allowed;
        }
        catch (AmazonServiceException ex)
        {
            return ex.ErrorCode;
        }
    }

    /// <summary>PutItem of <paramref name="item"/> into <c>Applications</c>: <see cref="Allowed"/> or the AWS error code.</summary>
    public static async Task<string> PutItemAsync(IAmazonDynamoDB session, Dictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(session);
        try
        {
            await session.PutItemAsync(new PutItemRequest { TableName = "Applications", Item = item }).ConfigureAwait(false);
            return Allowed;
        }
        catch (AmazonServiceException ex)
        {
            return ex.ErrorCode;
        }
    }
}
