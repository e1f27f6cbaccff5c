namespace Gateway.Policies.Documents;

/// <summary>One condition: operator (e.g. <c>ForAllValues:StringEquals</c>) → key → values. Equality is structural.</summary>
public sealed record PolicyCondition(string Operator, string Key, IReadOnlyList<string> Values);
