using Gateway.Policies;

namespace Gateway.Isolation.Memberships;

/// <summary>Reads an organization's item from the system of record (DynamoDB).</summary>
internal interface IOrganizationStore
{
    /// <summary>The organization's record (<see cref="OrganizationRecord.Unknown"/> when it has no item).</summary>
    /// <exception cref="MembershipUnavailableException">The store could not be read.</exception>
    Task<OrganizationRecord> ReadAsync(OrganizationId organizationId, CancellationToken cancellationToken);
}
