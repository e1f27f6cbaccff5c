using Gateway.Policies.Documents;

namespace Gateway.Policies.Evaluation;

/// <summary>
/// Evaluates IAM policies with AWS's documented semantics: explicit Deny wins; otherwise some Allow must match;
/// unknown condition operators make a statement fail closed (an Allow does not apply, a Deny does).
/// </summary>
public static class PolicyEvaluator
{
    /// <summary>Evaluates one or more policies of the same kind (union of Allows; any matching Deny wins).</summary>
    public static EvaluationResult Evaluate(IEnumerable<PolicyDocument> policies, AuthorizationRequest request)
        => throw new NotImplementedException();

    public static EvaluationResult Evaluate(PolicyDocument policy, AuthorizationRequest request)
        => Evaluate([policy], request);

    /// <summary>
    /// Session semantics: effective = identity policies ∩ session policy. Both must allow; a Deny in either wins.
    /// A null session policy means no session policy was passed (identity policies alone decide).
    /// </summary>
    public static EvaluationResult EvaluateSession(IReadOnlyList<PolicyDocument> identityPolicies, PolicyDocument? sessionPolicy, AuthorizationRequest request)
        => throw new NotImplementedException();

    /// <summary>Trust-policy evaluation for sts:AssumeRole and friends: statements must match the request's principal ARN.</summary>
    public static EvaluationResult EvaluateTrust(PolicyDocument trustPolicy, AuthorizationRequest request)
        => throw new NotImplementedException();
}
