namespace Gateway.Policies.DynamoDb;

/// <summary>What a <see cref="PartiQLToken"/> is.</summary>
internal enum PartiQLTokenKind
{
    /// <summary>A keyword or an unquoted name.</summary>
    Word,

    /// <summary>A double-quoted name (quotes removed, doubled quotes undone).</summary>
    QuotedName,

    /// <summary>A single-quoted string literal (quotes removed, doubled quotes undone).</summary>
    String,

    Number,

    /// <summary>A <c>?</c> placeholder for a value from the request's <c>Parameters</c>.</summary>
    Parameter,

    /// <summary>An operator or punctuation (one or two characters).</summary>
    Symbol,
}
