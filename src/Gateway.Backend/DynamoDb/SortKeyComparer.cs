using System.Text;
using Amazon.DynamoDBv2.Model;

namespace Gateway.Backend.DynamoDb;

/// <summary>
/// Orders sort-key values as DynamoDB does: S by the bytes of their UTF-8 encoding, N numerically, B bytewise
/// (unsigned). A missing value sorts first. Used to merge the shards of an organization.
/// </summary>
internal sealed class SortKeyComparer : IComparer<AttributeValue?>
{
    public static readonly SortKeyComparer Instance = new();

    public int Compare(AttributeValue? x, AttributeValue? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        if (x.S is { } xs && y.S is { } ys)
        {
            return Encoding.UTF8.GetBytes(xs).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(ys));
        }

        if (x.N is { } xn && y.N is { } yn)
        {
            return CompareNumbers(xn, yn);
        }

        if (x.B is { } xb && y.B is { } yb)
        {
            return xb.ToArray().AsSpan().SequenceCompareTo(yb.ToArray());
        }

        // Different types cannot share one key attribute; order by type so the comparison stays total.
        return TypeRank(x).CompareTo(TypeRank(y));
    }

    /// <summary>Compares two DynamoDB number strings (optional sign, digits, optional fraction, optional exponent) exactly.</summary>
    internal static int CompareNumbers(string x, string y)
    {
        var a = Decimal.Parse(x);
        var b = Decimal.Parse(y);
        if (a.Negative != b.Negative)
        {
            return a.Negative ? -1 : 1;
        }

        var magnitude = CompareMagnitude(a, b);
        return a.Negative ? -magnitude : magnitude;
    }

    private static int CompareMagnitude(Decimal a, Decimal b)
    {
        if (a.Digits.Length == 0 || b.Digits.Length == 0)
        {
            return a.Digits.Length.CompareTo(b.Digits.Length);
        }

        if (a.Exponent != b.Exponent)
        {
            return a.Exponent.CompareTo(b.Exponent);
        }

        return string.CompareOrdinal(a.Digits, b.Digits);
    }

    private static int TypeRank(AttributeValue value) => value.S is not null ? 0 : value.N is not null ? 1 : value.B is not null ? 2 : 3;

    /// <summary>A number as sign, significant digits (no leading/trailing zeros) and the decimal exponent of the first digit.</summary>
    private readonly record struct Decimal(bool Negative, string Digits, long Exponent)
    {
        public static Decimal Parse(string text)
        {
            var span = text.AsSpan().Trim();
            var negative = false;
            if (span.Length > 0 && (span[0] == '-' || span[0] == '+'))
            {
                negative = span[0] == '-';
                span = span[1..];
            }

            long exponent = 0;
            var e = span.IndexOfAny('e', 'E');
            if (e >= 0)
            {
                exponent = long.Parse(span[(e + 1)..], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture);
                span = span[..e];
            }

            var dot = span.IndexOf('.');
            var integer = dot < 0 ? span : span[..dot];
            var fraction = dot < 0 ? [] : span[(dot + 1)..];
            var all = string.Concat(integer, fraction);
            var leading = all.Length - all.TrimStart('0').Length;
            var digits = all.Trim('0');
            if (digits.Length == 0)
            {
                return new Decimal(false, string.Empty, 0);
            }

            // value = 0.digits × 10^(exponent + integer.Length − leading)
            return new Decimal(negative, digits, exponent + integer.Length - leading);
        }
    }
}
