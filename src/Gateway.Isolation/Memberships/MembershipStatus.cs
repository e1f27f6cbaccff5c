namespace Gateway.Isolation.Memberships;

/// <summary>The server-side answer to "may this user act for this organization?".</summary>
internal enum MembershipStatus
{
    /// <summary>A member of an ACTIVE organization.</summary>
    Member = 0,

    /// <summary>No membership item for (user, organization).</summary>
    NotAMember = 1,

    /// <summary>A member, but the organization's status is not ACTIVE.</summary>
    Suspended = 2,

    /// <summary>A membership item exists but the organization does not.</summary>
    UnknownOrganization = 3,
}
