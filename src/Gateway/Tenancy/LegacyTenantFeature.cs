using Gateway.Policies;

namespace Gateway.Tenancy;

/// <summary>
/// Set by <see cref="TenantIsolationMiddleware"/> when a request on a route with a legacy cluster is sent to that cluster
/// (a member of an organization not yet migrated): who and for which organization, no credentials and no envelope (a
/// legacy table cannot be scoped). The transform forwards these as <c>X-Tenant-Organization-Id</c>,
/// <c>X-Tenant-User-Id</c> and <c>X-Tenant-Role</c> (inbound <c>X-Tenant-*</c> headers are always stripped first).
/// </summary>
internal sealed record LegacyTenantFeature(OrganizationId OrganizationId, string UserId, string Role)
{
    public const string OrganizationHeader = "X-Tenant-Organization-Id";
    public const string UserHeader = "X-Tenant-User-Id";
    public const string RoleHeader = "X-Tenant-Role";
}
