using Gateway.Policies;

namespace Gateway.Isolation.Memberships;

/// <summary>Reads memberships (user, organization → role) from the system of record (DynamoDB).</summary>
internal interface IMembershipStore
{
    /// <exception cref="MembershipUnavailableException">The store could not be read.</exception>
    Task<Membership> LookupAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken);

    /// <summary>Readiness probe: the membership table can be read with the gateway's credentials.</summary>
    Task CheckReachableAsync(CancellationToken cancellationToken);
}
