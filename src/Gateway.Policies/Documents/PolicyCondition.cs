namespace Gateway.Policies.Documents;

/// <summary>One condition: operator (e.g. <c>ForAllValues:StringEquals</c>) → key → values. Equality is structural.</summary>
public sealed record PolicyCondition(string Operator, string Key, IReadOnlyList<string> Values)
{
    private ConditionOperator? _parsed;

    /// <summary>The operator parsed once (re-parsed if a <c>with</c> expression changed <see cref="Operator"/>).</summary>
    internal ConditionOperator ParsedOperator
    {
        get
        {
            var parsed = _parsed;
            if (parsed is null || !ReferenceEquals(parsed.Text, Operator))
            {
                parsed = ConditionOperator.Parse(Operator);
                _parsed = parsed;
            }

            return parsed;
        }
    }

    /// <summary>False for an operator IAM does not define (the evaluator fails closed on it; IAM's API refuses the
    /// document as <c>MalformedPolicyDocument</c>).</summary>
    public bool IsKnownOperator => ParsedOperator.IsKnown;

    public bool Equals(PolicyCondition? other)
        => other is not null
           && string.Equals(Operator, other.Operator, StringComparison.Ordinal)
           && string.Equals(Key, other.Key, StringComparison.Ordinal)
           && DocumentEquality.ListEquals(Values, other.Values);

    public override int GetHashCode()
        => HashCode.Combine(StringComparer.Ordinal.GetHashCode(Operator), StringComparer.Ordinal.GetHashCode(Key), DocumentEquality.ListHash(Values));
}
