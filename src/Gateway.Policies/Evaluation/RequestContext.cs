namespace Gateway.Policies.Evaluation;

/// <summary>
/// Condition keys of a request (multi-valued, key names case-insensitive), e.g. <c>dynamodb:LeadingKeys</c>,
/// <c>aws:PrincipalTag/organizationId</c>, <c>aws:username</c>. Also the source of policy variables.
/// A key with an empty value list counts as absent (as IAM treats an empty multi-valued key).
/// </summary>
public sealed class RequestContext
{
    private readonly Dictionary<string, IReadOnlyList<string>> _keys;
    private readonly RequestContext? _parent;

    public static RequestContext Empty { get; } = new(new Dictionary<string, IReadOnlyList<string>>());

    public RequestContext(IReadOnlyDictionary<string, IReadOnlyList<string>> keys)
        : this(Copy(keys), parent: null)
    {
    }

    private RequestContext(Dictionary<string, IReadOnlyList<string>> keys, RequestContext? parent)
    {
        _keys = keys;
        _parent = parent;
    }

    /// <summary>Convenience for single-valued keys (e.g. <c>aws:username</c>).</summary>
    public static RequestContext FromSingleValues(IReadOnlyDictionary<string, string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var copy = new Dictionary<string, IReadOnlyList<string>>(keys.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in keys)
        {
            copy[key] = [value];
        }

        return new RequestContext(copy, parent: null);
    }

    public bool TryGetValues(string key, out IReadOnlyList<string> values)
    {
        for (var context = this; context is not null; context = context._parent)
        {
            if (context._keys.TryGetValue(key, out var found))
            {
                values = found;
                return true;
            }
        }

        values = [];
        return false;
    }

    /// <summary>A new context with the given keys added or replaced (used to merge per-check keys with principal keys).
    /// The current context is not copied: the new one layers the given keys over it.</summary>
    public RequestContext With(IReadOnlyDictionary<string, IReadOnlyList<string>> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return keys.Count == 0 ? this : new RequestContext(Copy(keys), this);
    }

    private static Dictionary<string, IReadOnlyList<string>> Copy(IReadOnlyDictionary<string, IReadOnlyList<string>> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var copy = new Dictionary<string, IReadOnlyList<string>>(keys.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, values) in keys)
        {
            copy[key] = values ?? [];
        }

        return copy;
    }
}
