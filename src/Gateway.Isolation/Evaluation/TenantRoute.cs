namespace Gateway.Isolation.Evaluation;

/// <summary>Where <see cref="ITenantIsolationEvaluator.RouteAsync"/> sends a request on a route with a legacy cluster.</summary>
public enum TenantRoute
{
    /// <summary>Refused: see <see cref="TenantRoutingDecision.Denial"/>.</summary>
    Denied = 0,

    /// <summary>The route's own (isolated) cluster: evaluate as usual (<see cref="ITenantIsolationEvaluator.EvaluateAsync"/>), scoped credentials.</summary>
    Isolated,

    /// <summary>The legacy cluster: a member of an organization not yet migrated; no scoped credentials (a legacy table cannot be scoped).</summary>
    Legacy,
}
