using Gateway.Isolation.Credentials;
using Gateway.Isolation.Evaluation;
using Gateway.Policies;

namespace Gateway.Tenancy;

/// <summary>
/// The tenant decision for one allowed request on an isolated route, set by <see cref="TenantIsolationMiddleware"/>
/// (read it with <see cref="TenantHttpContextExtensions.GetTenantFeature"/>): who, for which organization, with which
/// role, permission set and scoped credentials, and the <c>X-Tenant-Context</c> envelope already written for the
/// route's cluster. Its presence means the request was allowed, audited and counted.
/// </summary>
internal interface ITenantFeature
{
    OrganizationId OrganizationId { get; }

    string UserId { get; }

    string Role { get; }

    string PermissionSet { get; }

    ScopedCredentials Credentials { get; }

    /// <summary>The engine's allow this feature was made from (what a backend's report of rejected credentials refers to).</summary>
    TenantIsolationDecision Decision { get; }

    /// <summary>The sealed <c>X-Tenant-Context</c> value for the route's cluster. Never logged.</summary>
    string Envelope { get; }
}
