namespace Gateway.Policies.Documents;

internal enum SetOperator
{
    None,
    ForAllValues,
    ForAnyValue,
}

internal enum OperatorKind
{
    Unknown,
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric,
    Date,
    Bool,
    Binary,
    IpAddress,
    Arn,
    Null,
}

internal enum Comparison
{
    Equal,
    LessThan,
    LessThanEquals,
    GreaterThan,
    GreaterThanEquals,
}

/// <summary>
/// A parsed condition operator: optional set prefix (<c>ForAllValues:</c>/<c>ForAnyValue:</c>), base operator,
/// optional <c>IfExists</c> suffix. Operator names are matched case-insensitively. Anything not recognized is
/// <see cref="OperatorKind.Unknown"/> and makes its statement fail closed.
/// </summary>
internal sealed class ConditionOperator
{
    private ConditionOperator(string text, OperatorKind kind, SetOperator set, bool negated, bool ifExists, Comparison comparison)
    {
        Text = text;
        Kind = kind;
        Set = set;
        Negated = negated;
        IfExists = ifExists;
        Comparison = comparison;
    }

    public string Text { get; }
    public OperatorKind Kind { get; }
    public SetOperator Set { get; }

    /// <summary>The operator is the negation of its positive form (StringNotEquals, NotIpAddress, ArnNotLike…).</summary>
    public bool Negated { get; }
    public bool IfExists { get; }
    public Comparison Comparison { get; }
    public bool IsKnown => Kind != OperatorKind.Unknown;

    /// <summary>Policy variables are substituted in string and ARN operators only (as in IAM).</summary>
    public bool SupportsVariables => Kind is OperatorKind.StringEquals or OperatorKind.StringEqualsIgnoreCase or OperatorKind.StringLike or OperatorKind.Arn;

    public static ConditionOperator Parse(string text)
    {
        ReadOnlySpan<char> span = text;
        var set = SetOperator.None;
        if (span.StartsWith("ForAllValues:", StringComparison.OrdinalIgnoreCase))
        {
            set = SetOperator.ForAllValues;
            span = span["ForAllValues:".Length..];
        }
        else if (span.StartsWith("ForAnyValue:", StringComparison.OrdinalIgnoreCase))
        {
            set = SetOperator.ForAnyValue;
            span = span["ForAnyValue:".Length..];
        }

        var ifExists = false;
        if (span.EndsWith("IfExists", StringComparison.OrdinalIgnoreCase))
        {
            ifExists = true;
            span = span[..^"IfExists".Length];
        }

        var (kind, negated, comparison) = Base(span);
        if (kind == OperatorKind.Null && (ifExists || set != SetOperator.None))
        {
            kind = OperatorKind.Unknown; // "NullIfExists" and "ForAllValues:Null" are not IAM operators
        }

        return new ConditionOperator(text, kind, set, negated, ifExists, comparison);
    }

    private static (OperatorKind Kind, bool Negated, Comparison Comparison) Base(ReadOnlySpan<char> name)
    {
        static bool Is(ReadOnlySpan<char> a, string b) => a.Equals(b, StringComparison.OrdinalIgnoreCase);

        return name switch
        {
            _ when Is(name, "StringEquals") => (OperatorKind.StringEquals, false, Comparison.Equal),
            _ when Is(name, "StringNotEquals") => (OperatorKind.StringEquals, true, Comparison.Equal),
            _ when Is(name, "StringEqualsIgnoreCase") => (OperatorKind.StringEqualsIgnoreCase, false, Comparison.Equal),
            _ when Is(name, "StringNotEqualsIgnoreCase") => (OperatorKind.StringEqualsIgnoreCase, true, Comparison.Equal),
            _ when Is(name, "StringLike") => (OperatorKind.StringLike, false, Comparison.Equal),
            _ when Is(name, "StringNotLike") => (OperatorKind.StringLike, true, Comparison.Equal),
            _ when Is(name, "NumericEquals") => (OperatorKind.Numeric, false, Comparison.Equal),
            _ when Is(name, "NumericNotEquals") => (OperatorKind.Numeric, true, Comparison.Equal),
            _ when Is(name, "NumericLessThan") => (OperatorKind.Numeric, false, Comparison.LessThan),
            _ when Is(name, "NumericLessThanEquals") => (OperatorKind.Numeric, false, Comparison.LessThanEquals),
            _ when Is(name, "NumericGreaterThan") => (OperatorKind.Numeric, false, Comparison.GreaterThan),
            _ when Is(name, "NumericGreaterThanEquals") => (OperatorKind.Numeric, false, Comparison.GreaterThanEquals),
            _ when Is(name, "DateEquals") => (OperatorKind.Date, false, Comparison.Equal),
            _ when Is(name, "DateNotEquals") => (OperatorKind.Date, true, Comparison.Equal),
            _ when Is(name, "DateLessThan") => (OperatorKind.Date, false, Comparison.LessThan),
            _ when Is(name, "DateLessThanEquals") => (OperatorKind.Date, false, Comparison.LessThanEquals),
            _ when Is(name, "DateGreaterThan") => (OperatorKind.Date, false, Comparison.GreaterThan),
            _ when Is(name, "DateGreaterThanEquals") => (OperatorKind.Date, false, Comparison.GreaterThanEquals),
            _ when Is(name, "Bool") => (OperatorKind.Bool, false, Comparison.Equal),
            _ when Is(name, "BinaryEquals") => (OperatorKind.Binary, false, Comparison.Equal),
            _ when Is(name, "IpAddress") => (OperatorKind.IpAddress, false, Comparison.Equal),
            _ when Is(name, "NotIpAddress") => (OperatorKind.IpAddress, true, Comparison.Equal),
            _ when Is(name, "ArnEquals") || Is(name, "ArnLike") => (OperatorKind.Arn, false, Comparison.Equal),
            _ when Is(name, "ArnNotEquals") || Is(name, "ArnNotLike") => (OperatorKind.Arn, true, Comparison.Equal),
            _ when Is(name, "Null") => (OperatorKind.Null, false, Comparison.Equal),
            _ => (OperatorKind.Unknown, false, Comparison.Equal),
        };
    }
}
