namespace IamOracle.Tests.Oracle;

/// <summary>One authorization question for the simulator: policies as JSON text (exactly what our parser reads), the
/// calling principal, action, resource and request context; optionally the resource's policy (a role's trust policy
/// for <c>sts:AssumeRole</c> on that role).</summary>
internal sealed record OracleCase(
    IReadOnlyList<string> IdentityPolicies,
    string? SessionPolicy,
    string PrincipalArn,
    string Action,
    string Resource,
    string AccountId,
    IReadOnlyList<KeyValuePair<string, ContextValue>> Context,
    string? ResourcePolicy = null);

/// <summary>A context key's values; <see cref="IsMultiValued"/> sends a JSON array (ArrayOf… keys), otherwise one string.</summary>
internal sealed record ContextValue(IReadOnlyList<string> Values, bool IsMultiValued);

/// <summary>The simulator's answer: <c>Allowed</c>, <c>ExplicitlyDenied</c>, <c>ImplicitlyDenied</c> or <c>Error</c>,
/// and the context keys it dropped because the action does not support them.</summary>
internal sealed record OracleDecision(string Decision, IReadOnlyList<string> IgnoredKeys, string? Error);

internal sealed record ServiceReference(string Versions, IReadOnlyDictionary<string, ActionReference> Actions);

internal sealed record ActionReference(bool Exists, string Name, bool WildcardOnly, IReadOnlyList<string> ConditionKeys, IReadOnlyList<ResourceTypeReference> ResourceTypes);

internal sealed record ResourceTypeReference(string Name, bool Required, string ArnPattern, IReadOnlyList<string> ConditionKeys);
