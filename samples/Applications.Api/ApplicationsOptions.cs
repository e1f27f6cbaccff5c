namespace Applications.Api;

/// <summary>The <c>Applications</c> configuration section.</summary>
internal sealed class ApplicationsOptions
{
    public const string SectionName = "Applications";

    /// <summary>The tenant table (partition key <c>organizationId</c>, sort key <c>applicationId</c>). Default <c>Applications</c>.</summary>
    public string TableName { get; set; } = "Applications";

    /// <summary>
    /// Legacy mode (migration demos and tests): when set, the API serves this legacy table instead — keyed by
    /// <c>applicationId</c>, the organization in <see cref="LegacyOrganizationAttribute"/>, read through the index
    /// <see cref="LegacyIndex"/> with the backend's own credentials (default AWS chain), the organization taken from the
    /// gateway's <c>X-Tenant-Organization-Id</c>. No envelope, no scoped credentials: what a backend looked like before migrating.
    /// </summary>
    public string? LegacyTable { get; set; }

    /// <summary>Attribute of legacy items holding the organization. Default orgId.</summary>
    public string LegacyOrganizationAttribute { get; set; } = "orgId";

    /// <summary>Global secondary index of the legacy table partitioned by <see cref="LegacyOrganizationAttribute"/>. Default ByOrganization.</summary>
    public string LegacyIndex { get; set; } = "ByOrganization";
}
