using Amazon.DynamoDBv2;

namespace Gateway.Backend.Context;

/// <summary>
/// The verified tenant context of the current request (scoped). Comes only from a valid <c>X-Tenant-Context</c>
/// envelope; there is no fallback to ambient AWS credentials.
/// </summary>
public interface ITenantContext
{
    /// <summary>The organization the caller acts for.</summary>
    string OrganizationId { get; }

    /// <summary>The authenticated user.</summary>
    string UserId { get; }

    /// <summary>The caller's membership role, e.g. <c>ADMINISTRATOR</c>.</summary>
    string Role { get; }

    /// <summary>The gateway's request id.</summary>
    string RequestId { get; }

    /// <summary>The permission set the credentials were scoped with, e.g. <c>read-only</c>.</summary>
    string PermissionSet { get; }

    /// <summary>
    /// The organization's shard count from the envelope (claim <c>shards</c>, absent = 1): its partition-key values are
    /// <c>{org}</c> with 1, else <c>{org}#0</c>…<c>{org}#N−1</c>. <c>tenant.Table(...)</c> uses it.
    /// </summary>
    int Shards { get; }

    /// <summary>When the scoped credentials expire.</summary>
    DateTimeOffset CredentialExpiration { get; }

    /// <summary>
    /// A DynamoDB client signed with the organization-scoped STS session credentials: IAM itself refuses any
    /// item outside <see cref="OrganizationId"/>'s partition. Owned by the library; do not dispose it.
    /// </summary>
    IAmazonDynamoDB Dynamo { get; }
}
