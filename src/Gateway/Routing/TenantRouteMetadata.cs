namespace Gateway.Routing;

/// <summary>YARP route metadata keys the gateway reads (validated at config load).</summary>
internal static class TenantRouteMetadata
{
    /// <summary>"true": the route is tenant-isolated (organization resolved, membership checked, envelope attached). Default false.</summary>
    public const string Isolated = "TenantIsolation";

    /// <summary>"true": forward the caller's Authorization header (default false: it is removed).</summary>
    public const string KeepAuthorization = "TenantIsolation.KeepAuthorization";

    /// <summary>The route value that names the organization. Default organizationId.</summary>
    public const string OrganizationRouteValue = "organizationId";
}
