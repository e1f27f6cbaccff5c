using Gateway.Policies;

namespace Gateway.Isolation.Evaluation;

/// <summary>
/// The facts of one request that the isolation engine decides on (<see cref="ITenantIsolationEvaluator.DecideAsync"/>):
/// who (<see cref="UserId"/>, already validated by the host), for which organization, and the route's legacy cluster when
/// the route migrates organization by organization. Later facts (tier, shard count) are added here.
/// </summary>
/// <param name="UserId">The caller's user id, validated once by the host (for the gateway: <c>IdentityClaims</c>).</param>
/// <param name="OrganizationId">The organization the caller acts for.</param>
/// <param name="LegacyClusterId">The route's legacy cluster (<c>TenantIsolation.LegacyCluster</c>), or null.</param>
public readonly record struct TenantRequest(string UserId, OrganizationId OrganizationId, string? LegacyClusterId = null);
