using Amazon.DynamoDBv2;
using Gateway.Backend.DynamoDb;
using Gateway.Envelopes;

namespace Gateway.Backend.Context;

/// <summary>The per-request <see cref="ITenantContext"/>; the DynamoDB client is rented on first use.</summary>
internal sealed class TenantContext : ITenantContext, IDisposable
{
    private readonly TenantEnvelope _envelope;
    private readonly TenantDynamoDbClientFactory _clients;
    private TenantDynamoDbClientLease? _lease;

    public TenantContext(TenantEnvelope envelope, TenantDynamoDbClientFactory clients)
    {
        _envelope = envelope;
        _clients = clients;
    }

    public string OrganizationId => _envelope.OrganizationId;

    public string UserId => _envelope.UserId;

    public string Role => _envelope.Role;

    public string RequestId => _envelope.RequestId;

    public string PermissionSet => _envelope.PermissionSet;

    public int Shards => _envelope.Shards;

    public DateTimeOffset CredentialExpiration => _envelope.CredentialExpiration;

    public IAmazonDynamoDB Dynamo => (_lease ??= _clients.Rent(_envelope)).Client;

    public void Dispose()
    {
        _lease?.Dispose();
        _lease = null;
    }

    public override string ToString() =>
        $"TenantContext {{ OrganizationId = {OrganizationId}, UserId = {UserId}, Role = {Role}, RequestId = {RequestId} }}";
}
