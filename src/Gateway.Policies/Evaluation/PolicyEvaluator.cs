using Gateway.Policies.Documents;

namespace Gateway.Policies.Evaluation;

/// <summary>
/// Evaluates IAM policies with AWS's documented semantics: explicit Deny wins; otherwise some Allow must match;
/// unknown condition operators make a statement fail closed (an Allow does not apply, a Deny does).
/// </summary>
public static class PolicyEvaluator
{
    public const string IdentityPolicyKind = "identity";
    public const string SessionPolicyKind = "session";
    public const string TrustPolicyKind = "trust";

    /// <summary>Evaluates one or more policies of the same kind (union of Allows; any matching Deny wins).</summary>
    public static EvaluationResult Evaluate(IEnumerable<PolicyDocument> policies, AuthorizationRequest request)
        => EvaluateCore(policies, request, IdentityPolicyKind, trust: false);

    public static EvaluationResult Evaluate(PolicyDocument policy, AuthorizationRequest request)
        => Evaluate([policy], request);

    /// <summary>
    /// Session semantics: effective = identity policies ∩ session policy. Both must allow; a Deny in either wins.
    /// A null session policy means no session policy was passed (identity policies alone decide).
    /// </summary>
    public static EvaluationResult EvaluateSession(IReadOnlyList<PolicyDocument> identityPolicies, PolicyDocument? sessionPolicy, AuthorizationRequest request)
    {
        ArgumentNullException.ThrowIfNull(identityPolicies);
        var identity = EvaluateCore(identityPolicies, request, IdentityPolicyKind, trust: false);
        if (sessionPolicy is null || identity.Decision == Decision.ExplicitDeny)
        {
            return identity;
        }

        var session = EvaluateCore([sessionPolicy], request, SessionPolicyKind, trust: false);
        if (session.Decision == Decision.ExplicitDeny)
        {
            return session;
        }

        return identity.IsAllowed ? session : identity;
    }

    /// <summary>Trust-policy evaluation for sts:AssumeRole and friends: statements must match the request's principal ARN.</summary>
    public static EvaluationResult EvaluateTrust(PolicyDocument trustPolicy, AuthorizationRequest request)
    {
        ArgumentNullException.ThrowIfNull(trustPolicy);
        return EvaluateCore([trustPolicy], request, TrustPolicyKind, trust: true);
    }

    private static EvaluationResult EvaluateCore(IEnumerable<PolicyDocument> policies, AuthorizationRequest request, string kind, bool trust)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(request);
        var context = request.Context ?? RequestContext.Empty;
        PolicyStatement? allowing = null;
        var allowingIndex = 0;
        string? skippedReason = null;

        foreach (var policy in policies)
        {
            ArgumentNullException.ThrowIfNull(policy);
            var variables = policy.SupportsPolicyVariables;
            var statements = policy.Statements;
            for (var index = 0; index < statements.Count; index++)
            {
                var statement = statements[index];
                if (!ActionMatches(statement, request.Action))
                {
                    continue;
                }

                var deny = statement.Effect == PolicyEffect.Deny;
                if (trust)
                {
                    if (!PrincipalMatches(statement, request.PrincipalArn)
                        || ((statement.Resources is not null || statement.NotResources is not null) && !ResourceMatches(statement, request.Resource, context, variables)))
                    {
                        continue;
                    }
                }
                else if (statement.Resources is null && statement.NotResources is null)
                {
                    // Invalid in an identity/session policy: an Allow grants nothing, a Deny still denies (fail closed).
                    if (!deny)
                    {
                        continue;
                    }
                }
                else if (!ResourceMatches(statement, request.Resource, context, variables))
                {
                    continue;
                }

                string? unknownOperator = null;
                var conditionsHold = true;
                foreach (var condition in statement.Conditions)
                {
                    var outcome = ConditionEvaluator.Evaluate(condition, context, variables);
                    if (outcome == ConditionOutcome.UnknownOperator)
                    {
                        unknownOperator ??= condition.Operator;
                        if (!deny)
                        {
                            conditionsHold = false;
                            break;
                        }
                    }
                    else if (outcome == ConditionOutcome.False)
                    {
                        conditionsHold = false;
                        break;
                    }
                }

                if (deny)
                {
                    if (conditionsHold)
                    {
                        var reason = unknownOperator is null
                            ? $"explicit deny in statement {Name(statement, index)} of the {kind} policy"
                            : $"explicit deny in statement {Name(statement, index)} of the {kind} policy (unknown condition operator {Clip(unknownOperator)} fails closed)";
                        return new EvaluationResult(Decision.ExplicitDeny, reason) { StatementSid = statement.Sid, PolicyKind = kind };
                    }
                }
                else if (conditionsHold)
                {
                    if (allowing is null)
                    {
                        allowing = statement;
                        allowingIndex = index;
                    }
                }
                else if (unknownOperator is not null)
                {
                    skippedReason ??= $"unknown condition operator {Clip(unknownOperator)} in statement {Name(statement, index)} of the {kind} policy (fails closed)";
                }
            }
        }

        if (allowing is not null)
        {
            return new EvaluationResult(Decision.Allow, AllowReason(allowing, allowingIndex, kind))
            {
                StatementSid = allowing.Sid,
                PolicyKind = kind,
            };
        }

        var denyReason = skippedReason is null ? NoStatementAllows(kind) : $"{NoStatementAllows(kind)}; {skippedReason}";
        return new EvaluationResult(Decision.ImplicitDeny, denyReason) { PolicyKind = kind };
    }

    private static bool ActionMatches(PolicyStatement statement, string action)
    {
        if (statement.Actions is { } actions)
        {
            return AnyActionMatches(actions, action);
        }

        return statement.NotActions is { } notActions && !AnyActionMatches(notActions, action);
    }

    private static bool AnyActionMatches(IReadOnlyList<string> patterns, string action)
    {
        foreach (var pattern in patterns)
        {
            if (Wildcard.IsMatch(pattern, action, ignoreCase: true))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ResourceMatches(PolicyStatement statement, string resource, RequestContext context, bool variables)
    {
        if (statement.Resources is { } resources)
        {
            return AnyResourceMatches(resources, resource, context, variables);
        }

        // NotResource: matches every resource not listed. An entry with an unresolvable variable fails closed either
        // way: for an Allow the resource counts as listed (not granted); for a Deny it counts as not listed (denied).
        return statement.NotResources is { } notResources
            && !AnyResourceMatches(notResources, resource, context, variables, unresolvedMatches: statement.Effect != PolicyEffect.Deny);
    }

    private static bool AnyResourceMatches(IReadOnlyList<string> patterns, string resource, RequestContext context, bool variables, bool unresolvedMatches = false)
    {
        foreach (var pattern in patterns)
        {
            var text = pattern;
            var escaped = false;
            if (variables && !PolicyVariables.TrySubstitute(pattern, context, forPattern: true, out text, out escaped))
            {
                if (unresolvedMatches)
                {
                    return true;
                }

                continue;
            }

            if (ArnPattern.IsMatch(text, resource, escaped))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Principal matching for trust policies: <c>"*"</c> matches anyone; an <c>AWS</c> entry matches the exact principal
    /// ARN, an account id or <c>arn:…:iam::ACCOUNT:root</c> matches every principal of that account; other keys
    /// (<c>Service</c>, <c>Federated</c>) match their exact value.
    /// </summary>
    private static bool PrincipalMatches(PolicyStatement statement, string? principalArn)
    {
        if (statement.Principal is not { } principal)
        {
            return false;
        }

        foreach (var (key, values) in principal)
        {
            foreach (var value in values)
            {
                if (value == "*")
                {
                    return true;
                }

                if (principalArn is null)
                {
                    continue;
                }

                if (string.Equals(value, principalArn, StringComparison.Ordinal))
                {
                    return true;
                }

                if (string.Equals(key, "AWS", StringComparison.Ordinal) && AccountOf(value) is { } account
                    && string.Equals(account, ArnAccount(principalArn), StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The account a principal entry stands for when it names a whole account (12 digits or <c>:root</c>).</summary>
    private static string? AccountOf(string value)
    {
        if (value.Length == 12 && value.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0)
        {
            return value;
        }

        if (value.StartsWith("arn:", StringComparison.Ordinal) && value.EndsWith(":root", StringComparison.Ordinal))
        {
            return ArnAccount(value);
        }

        return null;
    }

    private static string? ArnAccount(string arn)
    {
        var parts = arn.Split(':', 6);
        return parts.Length == 6 ? parts[4] : null;
    }

    // The allow and implicit-deny paths run per DynamoDB request in LocalAws: their common reasons are preallocated.
    private static readonly string[][] UnnamedAllowReasons =
    [
        .. new[] { IdentityPolicyKind, SessionPolicyKind, TrustPolicyKind }.Select(kind =>
            Enumerable.Range(0, 16).Select(i => $"allowed by statement #{i} of the {kind} policy").ToArray()),
    ];

    private static string AllowReason(PolicyStatement statement, int index, string kind)
    {
        var kindIndex = kind switch { IdentityPolicyKind => 0, SessionPolicyKind => 1, _ => 2 };
        return statement.Sid is not { Length: > 0 } && index < UnnamedAllowReasons[kindIndex].Length
            ? UnnamedAllowReasons[kindIndex][index]
            : $"allowed by statement {Name(statement, index)} of the {kind} policy";
    }

    private static string NoStatementAllows(string kind) => kind switch
    {
        IdentityPolicyKind => "no statement allows in the identity policy",
        SessionPolicyKind => "no statement allows in the session policy",
        _ => "no statement allows in the trust policy",
    };

    private static string Name(PolicyStatement statement, int index)
        => statement.Sid is { Length: > 0 } sid ? "Sid " + Clip(sid) : "#" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Clip(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}
