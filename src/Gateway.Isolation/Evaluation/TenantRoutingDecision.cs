namespace Gateway.Isolation.Evaluation;

/// <summary>
/// The outcome of <see cref="ITenantIsolationEvaluator.RouteAsync"/>: <see cref="TenantRoute.Isolated"/> (continue with
/// <see cref="ITenantIsolationEvaluator.EvaluateAsync"/>), <see cref="TenantRoute.Legacy"/> with the member's
/// <see cref="Role"/>, or <see cref="TenantRoute.Denied"/> with the refusing <see cref="Denial"/> decision.
/// </summary>
public sealed record TenantRoutingDecision
{
    public static readonly TenantRoutingDecision Isolated = new() { Route = TenantRoute.Isolated };

    public required TenantRoute Route { get; init; }

    /// <summary>The membership role (legacy).</summary>
    public string? Role { get; init; }

    /// <summary>The refusal (denied).</summary>
    public TenantIsolationDecision? Denial { get; init; }
}
