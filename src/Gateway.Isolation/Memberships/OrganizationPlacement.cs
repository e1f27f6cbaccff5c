namespace Gateway.Isolation.Memberships;

/// <summary>
/// Where an organization's requests may go, from its item in the organizations table (status and data location):
/// read by <see cref="OrganizationPlacementService"/> for routes with a legacy cluster and for MIGRATING answers.
/// </summary>
internal enum OrganizationPlacement
{
    /// <summary>No item in the organizations table (the membership check answers unknown_organization).</summary>
    Unknown = 0,

    /// <summary>ACTIVE, data location absent (never migrated) or LEGACY (rolled back): the legacy cluster.</summary>
    Legacy,

    /// <summary>ACTIVE, data location PARTITIONED: the isolated cluster with scoped credentials.</summary>
    Partitioned,

    /// <summary>Status MIGRATING: refused with 503 organization_migrating + Retry-After.</summary>
    Migrating,

    /// <summary>Any other status (SUSPENDED, unknown values): the membership check refuses it.</summary>
    Inactive,

    /// <summary>ACTIVE with a data location value that is neither PARTITIONED nor LEGACY: refused (fail closed).</summary>
    UnknownLocation,
}
