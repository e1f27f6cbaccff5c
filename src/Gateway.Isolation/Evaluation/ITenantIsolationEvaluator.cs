using Gateway.Policies;

namespace Gateway.Isolation.Evaluation;

/// <summary>
/// The decision engine: membership (cached, server-side) → role → permission set → organization-scoped STS credentials
/// (cached, single flight, resilient). Expected outcomes are values, never exceptions; only the caller's cancellation throws.
/// </summary>
public interface ITenantIsolationEvaluator
{
    /// <param name="userId">The caller's user id, already validated by the host (for the gateway: <c>IdentityClaims</c>).</param>
    /// <param name="organizationId">The organization the caller acts for.</param>
    /// <param name="cancellationToken">The caller giving up; shared lookups and STS calls continue for other callers.</param>
    ValueTask<TenantIsolationDecision> EvaluateAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken);

    /// <summary>
    /// For a route with a legacy cluster (organization-by-organization migration): reads the organization's status and
    /// data location (short TTL). MIGRATING → denied <see cref="TenantDenialCode.OrganizationMigrating"/>; migrated →
    /// <see cref="TenantRoute.Isolated"/>; not yet migrated → the membership check, then <see cref="TenantRoute.Legacy"/>;
    /// an unreadable status or an unknown data location → denied (never legacy by default).
    /// </summary>
    ValueTask<TenantRoutingDecision> RouteAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken);
}
