using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Gateway.Isolation.Configuration;
using Gateway.Policies;
using Gateway.Isolation.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Memberships;

/// <summary>
/// An organization's item with the gateway's own credentials: GetItem on the organizations table, strongly consistent.
/// An invalid shard count is logged (warning 3501) once per read, i.e. at most once per organization per StatusTtl.
/// </summary>
internal sealed partial class DynamoDbOrganizationStore(IAmazonDynamoDB dynamoDb, IOptionsMonitor<TenantIsolationOptions> options, ILogger<DynamoDbOrganizationStore>? logger = null) : IOrganizationStore
{
    public async Task<OrganizationRecord> ReadAsync(OrganizationId organizationId, CancellationToken cancellationToken)
    {
        var membership = options.CurrentValue.Membership;
        GetItemResponse response;
        try
        {
            response = await dynamoDb.GetItemAsync(new GetItemRequest
            {
                TableName = membership.OrganizationsTable,
                Key = new Dictionary<string, AttributeValue>(1) { [membership.OrganizationsKeyAttribute] = new AttributeValue { S = organizationId.Value } },
                ConsistentRead = true,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex)
        {
            throw new MembershipUnavailableException($"DynamoDB organization lookup failed ({ex.ErrorCode ?? ex.StatusCode.ToString()}).", ex);
        }
        catch (Exception ex) when (ex is AmazonClientException or HttpRequestException or TimeoutException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new MembershipUnavailableException("DynamoDB organization lookup failed (client error, network or timeout).", ex);
        }

        var record = OrganizationRecord.FromItem(response.Item, membership);
        if (record.ShardsInvalid && logger is not null)
        {
            LogShardsInvalid(logger, organizationId.Value, membership.ShardsAttribute);
        }

        return record;
    }

    [LoggerMessage(EventId = IsolationLogEvents.OrganizationShardsInvalid, Level = LogLevel.Warning,
        Message = "Organization {OrganizationId}: its '{Attribute}' attribute is not a power of two from 1 to 64; its requests are refused (invalid_shard_count) until it is fixed")]
    private static partial void LogShardsInvalid(ILogger logger, string organizationId, string attribute);
}
