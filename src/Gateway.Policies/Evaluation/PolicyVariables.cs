using System.Text;

namespace Gateway.Policies.Evaluation;

/// <summary>
/// Policy-variable substitution (<c>${aws:username}</c>, <c>${aws:PrincipalTag/organizationId}</c>,
/// <c>${key, 'default'}</c>, and the escapes <c>${*}</c>, <c>${?}</c>, <c>${$}</c>). A variable resolves only to a
/// single-valued context key; otherwise (absent, empty or multi-valued, with no default) substitution fails and the
/// caller treats the element as not matching.
/// </summary>
internal static class PolicyVariables
{
    /// <param name="text">Policy text that may contain variables.</param>
    /// <param name="context">Source of variable values.</param>
    /// <param name="forPattern">The result is a wildcard pattern: literal <c>*</c>, <c>?</c> and <c>\</c> coming from
    /// variables or escapes are backslash-escaped, and <paramref name="escaped"/> tells the matcher to honour escapes.</param>
    /// <param name="result">The substituted text.</param>
    /// <param name="escaped">True when <paramref name="result"/> uses backslash escapes.</param>
    public static bool TrySubstitute(string text, RequestContext context, bool forPattern, out string result, out bool escaped)
    {
        var start = text.IndexOf("${", StringComparison.Ordinal);
        if (start < 0)
        {
            result = text;
            escaped = false;
            return true;
        }

        var builder = new StringBuilder(text.Length + 16);
        var position = 0;
        while (start >= 0)
        {
            var end = text.IndexOf('}', start + 2);
            if (end < 0)
            {
                break; // an unterminated "${" is literal text
            }

            AppendLiteral(builder, text.AsSpan(position, start - position), forPattern);
            var inner = text.AsSpan(start + 2, end - start - 2).Trim();
            if (inner is "*" or "?" or "$")
            {
                AppendValue(builder, inner, forPattern);
            }
            else if (TryResolve(inner, context, out var value))
            {
                AppendValue(builder, value, forPattern);
            }
            else
            {
                result = text;
                escaped = false;
                return false;
            }

            position = end + 1;
            start = text.IndexOf("${", position, StringComparison.Ordinal);
        }

        AppendLiteral(builder, text.AsSpan(position), forPattern);
        result = builder.ToString();
        escaped = forPattern;
        return true;
    }

    private static bool TryResolve(ReadOnlySpan<char> inner, RequestContext context, out ReadOnlySpan<char> value)
    {
        ReadOnlySpan<char> key = inner;
        ReadOnlySpan<char> fallback = default;
        var hasDefault = false;
        var comma = inner.IndexOf(',');
        if (comma >= 0)
        {
            key = inner[..comma].Trim();
            var rest = inner[(comma + 1)..].Trim();
            if (rest.Length >= 2 && rest[0] == '\'' && rest[^1] == '\'')
            {
                fallback = rest[1..^1];
                hasDefault = true;
            }
            else
            {
                value = default;
                return false;
            }
        }

        if (context.TryGetValues(key.ToString(), out var values) && values.Count == 1)
        {
            value = values[0];
            return true;
        }

        value = fallback;
        return hasDefault;
    }

    private static void AppendLiteral(StringBuilder builder, ReadOnlySpan<char> literal, bool forPattern)
    {
        if (!forPattern)
        {
            builder.Append(literal);
            return;
        }

        foreach (var c in literal)
        {
            if (c == '\\')
            {
                builder.Append('\\'); // a literal backslash in policy text stays literal once escapes are honoured
            }

            builder.Append(c);
        }
    }

    private static void AppendValue(StringBuilder builder, ReadOnlySpan<char> value, bool forPattern)
    {
        if (!forPattern)
        {
            builder.Append(value);
            return;
        }

        foreach (var c in value)
        {
            if (c is '*' or '?' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }
    }
}
