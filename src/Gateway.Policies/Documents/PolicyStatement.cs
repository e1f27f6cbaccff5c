namespace Gateway.Policies.Documents;

/// <summary>
/// One IAM statement. Exactly one of Actions/NotActions and at most one of Resources/NotResources is set
/// (trust policies carry Principal instead of Resource). Equality is structural (lists compared by content;
/// conditions compared as a set).
/// </summary>
public sealed record PolicyStatement
{
    public string? Sid { get; init; }
    public required PolicyEffect Effect { get; init; }
    public IReadOnlyList<string>? Actions { get; init; }
    public IReadOnlyList<string>? NotActions { get; init; }
    public IReadOnlyList<string>? Resources { get; init; }
    public IReadOnlyList<string>? NotResources { get; init; }

    /// <summary>Principal map (e.g. "AWS" → ARNs); the single value "*" is stored as key "*" with value "*".</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Principal { get; init; }

    public IReadOnlyList<PolicyCondition> Conditions { get; init; } = [];

    public bool Equals(PolicyStatement? other)
        => other is not null
           && string.Equals(Sid, other.Sid, StringComparison.Ordinal)
           && Effect == other.Effect
           && DocumentEquality.ListEquals(Actions, other.Actions)
           && DocumentEquality.ListEquals(NotActions, other.NotActions)
           && DocumentEquality.ListEquals(Resources, other.Resources)
           && DocumentEquality.ListEquals(NotResources, other.NotResources)
           && DocumentEquality.PrincipalEquals(Principal, other.Principal)
           && DocumentEquality.ConditionsEqual(Conditions, other.Conditions);

    public override int GetHashCode()
        => HashCode.Combine(
            Sid is null ? 0 : StringComparer.Ordinal.GetHashCode(Sid),
            Effect,
            DocumentEquality.ListHash(Actions),
            DocumentEquality.ListHash(NotActions),
            DocumentEquality.ListHash(Resources),
            DocumentEquality.ListHash(NotResources),
            DocumentEquality.ConditionsHash(Conditions));
}
