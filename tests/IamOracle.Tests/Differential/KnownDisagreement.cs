namespace IamOracle.Tests.Differential;

/// <summary>
/// A shape where the simulator and AWS's documentation disagree. AWS's documentation wins: the shape is pinned in the
/// hand-written corpus (<see cref="CorpusTest"/>, quoting AWS) and excluded from the differential test by
/// <see cref="Name"/> — the excluded count is printed with every run, so an exclusion never hides silently.
/// </summary>
internal sealed record KnownDisagreement(string Name, string CorpusTest, string AwsSays, Func<PolicyCase, bool> Matches)
{
    /// <summary>Every known disagreement. Empty means the simulator and our evaluator agree on every generated shape.</summary>
    public static IReadOnlyList<KnownDisagreement> All { get; } =
    [
        new(
            "PlainOperatorOnMultiValuedKey",
            "Gateway.Policies.Tests.Evaluation.IamTrapTests.StringEqualsWithoutSetOperator_OnMultivaluedKey_MatchesIfAnyValueMatches",
            "\"Multivalued context keys require a condition set operator.\" (IAM User Guide, Single-valued vs. multivalued " +
            "context keys). AWS documents no result for a plain operator on a multivalued key; iam-simulate makes it false " +
            "(\"Set operator is required for a multi-value key\"), our evaluator matches when any value matches. The " +
            "policies we build never do this (LeadingKeys always has ForAllValues + the Null guard).",
            c => UsesPlainOperatorOnPresentMultiValuedKey(c)),
        new(
            "PolicyVariablesInVersion2008",
            "Gateway.Policies.Tests.Evaluation.PolicyEvaluatorTests.Evaluate_PolicyVariablesInOldVersion_AreLiteral",
            "\"If you don't include the Version element and set it to an appropriate version date, variables like " +
            "${aws:username} are treated as literal strings in the policy.\" (IAM User Guide, IAM policy elements: Variables " +
            "and tags). iam-simulate substitutes variables whatever the Version; our evaluator follows AWS.",
            c => new[] { c.Identity, c.Session }.Any(p => p is { Version: "2008-10-17" } && p.ToJson().Contains("${", StringComparison.Ordinal))),
        new(
            "Ipv4CidrSlashZero",
            "Gateway.Policies.Tests.Evaluation.PolicyEvaluatorTests.Evaluate_Condition_FollowsIamSemantics(IpAddress 0.0.0.0/0)",
            "IpAddress / NotIpAddress take \"the specified IP address or range\" in CIDR form (IAM User Guide, condition " +
            "operators; RFC 4632): 0.0.0.0/0 is every IPv4 address. iam-simulate builds the mask as -1 << (32 - prefix), " +
            "which JavaScript evaluates as -1 << 0 for /0, so its /0 matches 0.0.0.0 only.",
            c => new[] { c.Identity, c.Session }.Any(p => p is not null && p.Statements.Any(s => s.Conditions.Any(x => x.Values.Any(v => v.EndsWith("/0", StringComparison.Ordinal)))))),
        new(
            "UnresolvableVariableInNotResource",
            "Gateway.Policies.Tests.Evaluation.PolicyEvaluatorTests.Evaluate_UnresolvableVariableInNotResource_FailsClosed",
            "AWS documents no result for a NotResource entry whose policy variable has no value. Our evaluator fails " +
            "closed for either effect (an Allow grants nothing, a Deny denies). iam-simulate is not consistent: the entry " +
            "table/${aws:PrincipalTag/team} matches nothing (its Deny denies, its Allow grants), table/${aws:PrincipalTag/team}/index/* " +
            "matches a table request (its Deny does not deny).",
            c => !c.Context.Any(k => string.Equals(k.Key, "aws:PrincipalTag/team", StringComparison.OrdinalIgnoreCase))
                && new[] { c.Identity, c.Session }.Any(p => p is { Version: "2012-10-17" } && p.Statements.Any(s =>
                    s.NotResource && s.Resources.Any(r => r.Contains("${aws:PrincipalTag/team}", StringComparison.Ordinal))))),
    ];

    private static bool UsesPlainOperatorOnPresentMultiValuedKey(PolicyCase c)
    {
        var present = c.Context.Where(k => k.MultiValued).Select(k => k.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return new[] { c.Identity, c.Session }
            .Where(p => p is not null)
            .SelectMany(p => p!.Statements)
            .SelectMany(s => s.Conditions)
            .Any(condition => present.Contains(condition.Key)
                && !condition.Operator.StartsWith("For", StringComparison.OrdinalIgnoreCase)
                && !string.Equals(condition.Operator, "Null", StringComparison.OrdinalIgnoreCase));
    }
}
