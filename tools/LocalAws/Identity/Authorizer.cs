using Gateway.Policies.Evaluation;

namespace LocalAws.Identity;

/// <summary>
/// IAM decision for a principal: identity policies (with a role session's current inline policies) ∩ session policy
/// (Gateway.Policies evaluator), and the AWS-style denial message. An evaluator failure is a deny (fail closed).
/// </summary>
internal static class Authorizer
{
    public static EvaluationResult Authorize(Principal principal, AuthorizationRequest request)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return Authorize(principal, principal.InlinePolicies?.Current, request, out _);
    }

    /// <param name="principal">The caller.</param>
    /// <param name="inline">The snapshot of the caller's role inline policies to evaluate with (null: none).</param>
    /// <param name="request">The check.</param>
    /// <param name="evaluated">False when the evaluator failed (the result is then a fail-closed deny).</param>
    public static EvaluationResult Authorize(Principal principal, RoleInlinePolicies.Snapshot? inline, AuthorizationRequest request, out bool evaluated)
    {
        ArgumentNullException.ThrowIfNull(principal);
        evaluated = false;
        try
        {
            var result = PolicyEvaluator.EvaluateSession(principal.IdentityPoliciesWith(inline), principal.IsSession ? principal.SessionPolicy : null, request);
            evaluated = true;
            return result;
        }
#pragma warning disable CA1031 // Fail closed on any evaluator failure; the reason is logged.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new EvaluationResult(Decision.ImplicitDeny, $"policy evaluation failed ({e.GetType().Name})");
        }
    }

    /// <summary>
    /// <c>User: ARN is not authorized to perform: ACTION on resource: RES because no session policy allows the ACTION action</c>
    /// (or "with an explicit deny in a session policy", "… identity-based policy …").
    /// </summary>
    public static string DenialMessage(string principalArn, string action, string resource, EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var kind = string.Equals(result.PolicyKind, "session", StringComparison.OrdinalIgnoreCase) ? "session policy" : "identity-based policy";
        var reason = result.Decision == Decision.ExplicitDeny
            ? $"with an explicit deny in a {kind}"
            : $"because no {kind} allows the {action} action";
        return $"User: {principalArn} is not authorized to perform: {action} on resource: {resource} {reason}";
    }
}
