using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Gateway.Isolation.Configuration;
using Gateway.Policies;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Memberships;

/// <summary>An organization's item with the gateway's own credentials: GetItem on the organizations table, strongly consistent.</summary>
internal sealed class DynamoDbOrganizationStore(IAmazonDynamoDB dynamoDb, IOptionsMonitor<TenantIsolationOptions> options) : IOrganizationStore
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

        return OrganizationRecord.FromItem(response.Item, membership);
    }
}
