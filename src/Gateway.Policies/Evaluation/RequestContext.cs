namespace Gateway.Policies.Evaluation;

/// <summary>
/// Condition keys of a request (multi-valued, key names case-insensitive), e.g. <c>dynamodb:LeadingKeys</c>,
/// <c>aws:PrincipalTag/organizationId</c>, <c>aws:username</c>. Also the source of policy variables.
/// </summary>
public sealed class RequestContext
{
    public static RequestContext Empty { get; } = new(new Dictionary<string, IReadOnlyList<string>>());

    public RequestContext(IReadOnlyDictionary<string, IReadOnlyList<string>> keys) => throw new NotImplementedException();

    public bool TryGetValues(string key, out IReadOnlyList<string> values) => throw new NotImplementedException();

    /// <summary>A new context with the given keys added or replaced (used to merge per-check keys with principal keys).</summary>
    public RequestContext With(IReadOnlyDictionary<string, IReadOnlyList<string>> keys) => throw new NotImplementedException();
}
