namespace Gateway.Isolation.Memberships;

/// <summary>Whether (user, organization) has a membership item. The organization's own state is <see cref="OrganizationRecord"/>'s.</summary>
internal enum MembershipStatus
{
    /// <summary>A membership item exists (<see cref="Membership.Role"/> holds its role, if any).</summary>
    Member = 0,

    /// <summary>No membership item for (user, organization).</summary>
    NotAMember = 1,
}
