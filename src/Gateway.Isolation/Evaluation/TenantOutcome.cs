namespace Gateway.Isolation.Evaluation;

/// <summary>What <see cref="ITenantIsolationEvaluator.DecideAsync"/> decided (<see cref="TenantIsolationDecision.Outcome"/>).</summary>
public enum TenantOutcome
{
    /// <summary>Refused: <see cref="TenantIsolationDecision.Denial"/>, <see cref="TenantIsolationDecision.Reason"/> and, for transient failures, <see cref="TenantIsolationDecision.RetryAfter"/>.</summary>
    Denied = 0,

    /// <summary>Forward to the route's own (isolated) cluster with scoped credentials.</summary>
    Allowed,

    /// <summary>
    /// Forward to the route's legacy cluster (<see cref="TenantIsolationDecision.LegacyClusterId"/>): a member of an
    /// organization not yet migrated; no scoped credentials (a legacy table cannot be scoped).
    /// </summary>
    Legacy,
}
