using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Gateway.Isolation.Configuration;
using Gateway.Policies;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Memberships;

/// <summary>
/// Membership from DynamoDB with the gateway's own credentials: GetItem on the membership table (user, organization →
/// role). The organization's own item is <see cref="DynamoDbOrganizationStore"/>'s.
/// </summary>
internal sealed class DynamoDbMembershipStore : IMembershipStore
{
    private readonly IAmazonDynamoDB _dynamoDb;
    private readonly MembershipOptions _options;

    public DynamoDbMembershipStore(IAmazonDynamoDB dynamoDb, IOptions<TenantIsolationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dynamoDb = dynamoDb;
        _options = options.Value.Membership;
    }

    public async Task<Membership> LookupAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken)
    {
        GetItemResponse membership;
        try
        {
            membership = await _dynamoDb.GetItemAsync(new GetItemRequest
            {
                TableName = _options.MembershipTable,
                Key = new Dictionary<string, AttributeValue>(2)
                {
                    [_options.UserIdAttribute] = new AttributeValue { S = userId },
                    [_options.OrganizationIdAttribute] = new AttributeValue { S = organizationId.Value },
                },
                ConsistentRead = true,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex)
        {
            throw new MembershipUnavailableException($"DynamoDB membership lookup failed ({ex.ErrorCode ?? ex.StatusCode.ToString()}).", ex);
        }
        catch (AmazonClientException ex)
        {
            throw new MembershipUnavailableException("DynamoDB membership lookup failed (client error).", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new MembershipUnavailableException("DynamoDB membership lookup failed (network).", ex);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            throw new MembershipUnavailableException("DynamoDB membership lookup timed out.", ex);
        }

        if (membership.Item is not { Count: > 0 } item)
        {
            return Membership.NotAMember;
        }

        return new Membership(MembershipStatus.Member, item.TryGetValue(_options.RoleAttribute, out var role) ? role.S : null);
    }

    public async Task CheckReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _dynamoDb.GetItemAsync(new GetItemRequest
            {
                TableName = _options.MembershipTable,
                Key = new Dictionary<string, AttributeValue>(2)
                {
                    [_options.UserIdAttribute] = new AttributeValue { S = "__readyz__" },
                    [_options.OrganizationIdAttribute] = new AttributeValue { S = "__readyz__" },
                },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex)
        {
            throw new MembershipUnavailableException($"Membership table not readable ({ex.ErrorCode ?? ex.StatusCode.ToString()}).", ex);
        }
    }
}
