namespace Gateway.Policies.Documents;

/// <summary>Content equality for the document model's lists and maps.</summary>
internal static class DocumentEquality
{
    public static bool ListEquals<T>(IReadOnlyList<T>? a, IReadOnlyList<T>? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is null || b is null || a.Count != b.Count)
        {
            return false;
        }

        var comparer = EqualityComparer<T>.Default;
        for (var i = 0; i < a.Count; i++)
        {
            if (!comparer.Equals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    public static int ListHash<T>(IReadOnlyList<T>? list)
    {
        if (list is null)
        {
            return 0;
        }

        var hash = new HashCode();
        hash.Add(list.Count);
        foreach (var item in list)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }

    /// <summary>Conditions are a set of (operator, key) entries: compared regardless of order.</summary>
    public static bool ConditionsEqual(IReadOnlyList<PolicyCondition> a, IReadOnlyList<PolicyCondition> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        if (ListEquals(a, b))
        {
            return true;
        }

        return ListEquals(Sorted(a), Sorted(b));
    }

    public static int ConditionsHash(IReadOnlyList<PolicyCondition> conditions)
    {
        var hash = 0;
        foreach (var condition in conditions)
        {
            hash ^= condition.GetHashCode(); // order-insensitive
        }

        return hash;
    }

    public static bool PrincipalEquals(IReadOnlyDictionary<string, IReadOnlyList<string>>? a, IReadOnlyDictionary<string, IReadOnlyList<string>>? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is null || b is null || a.Count != b.Count)
        {
            return false;
        }

        foreach (var (key, values) in a)
        {
            if (!b.TryGetValue(key, out var other) || !ListEquals(values, other))
            {
                return false;
            }
        }

        return true;
    }

    private static PolicyCondition[] Sorted(IReadOnlyList<PolicyCondition> conditions)
    {
        var copy = conditions.ToArray();
        Array.Sort(copy, static (x, y) =>
        {
            var c = string.CompareOrdinal(x.Operator, y.Operator);
            return c != 0 ? c : string.CompareOrdinal(x.Key, y.Key);
        });
        return copy;
    }
}
