namespace Gateway.Routing;

/// <summary>YARP route metadata keys the gateway reads (validated at config load).</summary>
internal static class TenantRouteMetadata
{
    /// <summary>"true": the route is tenant-isolated (organization resolved, membership checked, envelope attached). Default false.</summary>
    public const string Isolated = "TenantIsolation";

    /// <summary>"true": forward the caller's Authorization header (default false: it is removed).</summary>
    public const string KeepAuthorization = "TenantIsolation.KeepAuthorization";

    /// <summary>
    /// A cluster id: the route serves an organization-by-organization migration. Organizations whose data is still in the
    /// legacy table go to this cluster (audited as legacy, no envelope, no scoped credentials); migrated ones go to the
    /// route's own ClusterId with scoped credentials; MIGRATING ones are answered 503. Only on isolated routes.
    /// </summary>
    public const string LegacyCluster = "TenantIsolation.LegacyCluster";

    /// <summary>The route value that names the organization. Default organizationId.</summary>
    public const string OrganizationRouteValue = "organizationId";
}
