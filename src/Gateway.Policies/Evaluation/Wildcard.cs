namespace Gateway.Policies.Evaluation;

/// <summary>
/// IAM wildcard matching: <c>*</c> matches any run of characters (including none), <c>?</c> exactly one. With
/// <paramref name="escapes"/> a backslash makes the next character literal (used for patterns built by policy-variable
/// substitution, where <c>${*}</c> or a variable's value must not act as a wildcard). Linear-time greedy matcher with
/// single-star backtracking; no allocation.
/// </summary>
internal static class Wildcard
{
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> value, bool ignoreCase, bool escapes = false)
    {
        int p = 0, v = 0, starP = -1, starV = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length)
            {
                var c = pattern[p];
                if (c == '*' )
                {
                    starP = ++p;
                    starV = v;
                    continue;
                }

                if (c == '?')
                {
                    p++;
                    v++;
                    continue;
                }

                var width = 1;
                if (escapes && c == '\\' && p + 1 < pattern.Length)
                {
                    c = pattern[p + 1];
                    width = 2;
                }

                if (CharEquals(c, value[v], ignoreCase))
                {
                    p += width;
                    v++;
                    continue;
                }
            }

            if (starP < 0)
            {
                return false;
            }

            p = starP;
            v = ++starV;
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>True when the text contains no wildcard (so an ordinal comparison suffices).</summary>
    public static bool HasWildcards(ReadOnlySpan<char> pattern) => pattern.IndexOfAny('*', '?') >= 0;

    private static bool CharEquals(char a, char b, bool ignoreCase)
        => a == b || (ignoreCase && char.ToUpperInvariant(a) == char.ToUpperInvariant(b));
}
