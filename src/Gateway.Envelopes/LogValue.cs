using System.Globalization;
using System.Text;

namespace Gateway.Envelopes;

/// <summary>
/// Renders one value for a log line as a JSON string literal (<c>"acme"</c>), so no value taken from a request or an
/// envelope can end the line, start a new one, or pass for another field: <c>"</c> and <c>\</c> are escaped, and every
/// control character (including CR, LF, VT, FF and U+0085), line/paragraph separator (U+2028, U+2029), format
/// character (e.g. bidi overrides) and lone surrogate becomes a <c>\uXXXX</c> escape. A missing value is <c>-</c>.
/// Shared by the gateway and the backends so both quote the same way.
/// </summary>
public static class LogValue
{
    /// <summary>The quoted, escaped form of <paramref name="value"/>; <c>-</c> for <see langword="null"/>.</summary>
    /// <param name="value">Any string, typically untrusted.</param>
    /// <returns>A single-line JSON string literal.</returns>
    public static string Quote(string? value)
    {
        if (value is null)
        {
            return "-";
        }

        if (IsClean(value))
        {
            return string.Concat("\"", value, "\"");
        }

        return AppendEscaped(new StringBuilder(value.Length + 16), value).ToString();
    }

    /// <summary>
    /// Appends what <see cref="Quote"/> returns for <paramref name="value"/> to <paramref name="builder"/>, without the
    /// intermediate string (for a line built of many values).
    /// </summary>
    /// <param name="builder">The line being built.</param>
    /// <param name="value">Any string, typically untrusted.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static StringBuilder AppendQuoted(StringBuilder builder, string? value)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (value is null)
        {
            return builder.Append('-');
        }

        return IsClean(value) ? builder.Append('"').Append(value).Append('"') : AppendEscaped(builder, value);
    }

    private static bool IsClean(string value)
    {
        foreach (var c in value)
        {
            if (NeedsEscape(c))
            {
                return false;
            }
        }

        return true;
    }

    private static StringBuilder AppendEscaped(StringBuilder builder, string value)
    {
        builder.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(c).Append(value[++i]);
            }
            else if (c == '"')
            {
                builder.Append("\\\"");
            }
            else if (c == '\\')
            {
                builder.Append("\\\\");
            }
            else if (NeedsEscape(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append('"');
    }

    private static bool NeedsEscape(char c)
        => c is '"' or '\\' || char.IsControl(c) || char.IsSurrogate(c)
            || char.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Format;
}
