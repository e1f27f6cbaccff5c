using System.Globalization;
using System.Text;

namespace Gateway.Auditing;

/// <summary>
/// Renders one audit field value as a JSON string literal (<c>"acme"</c>), so no value can end the line, start a new
/// one, or pass for another <c>key=value</c> pair: <c>"</c> and <c>\</c> are escaped, and every control character,
/// line/paragraph separator (U+2028, U+2029), format character (e.g. bidi overrides) and lone surrogate becomes a
/// <c>\uXXXX</c> escape. A missing value is <c>-</c>.
/// </summary>
internal static class AuditValue
{
    public static string Quote(string? value)
    {
        if (value is null)
        {
            return "-";
        }

        var clean = true;
        foreach (var c in value)
        {
            if (NeedsEscape(c))
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return string.Concat("\"", value, "\"");
        }

        var builder = new StringBuilder(value.Length + 16).Append('"');
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

        return builder.Append('"').ToString();
    }

    private static bool NeedsEscape(char c)
        => c is '"' or '\\' || char.IsControl(c) || char.IsSurrogate(c)
            || char.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Format;
}
