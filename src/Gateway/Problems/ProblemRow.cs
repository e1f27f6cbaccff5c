namespace Gateway.Problems;

/// <summary>
/// One row of <see cref="ProblemTable"/>: the HTTP status, the stable problem <see cref="Code"/>, the fixed
/// <see cref="Title"/> and at most one fixed header (<c>WWW-Authenticate</c>, <c>Allow</c>). <c>Retry-After</c> is not
/// a column: it is the decision's value. Rows are created once; the hot path only indexes them.
/// </summary>
internal sealed class ProblemRow
{
    public ProblemRow(int status, string code, string title, string? headerName = null, string? headerValue = null)
    {
        Status = status;
        Code = code;
        Title = title;
        HeaderName = headerName;
        HeaderValue = headerValue;
        OutcomeTags = [new KeyValuePair<string, object?>("outcome", code)];
    }

    public int Status { get; }

    /// <summary>The problem's stable <c>code</c>, also the <c>outcome</c> of <c>gateway.requests</c> (<c>allow</c> for an allow).</summary>
    public string Code { get; }

    public string Title { get; }

    public string? HeaderName { get; }

    public string? HeaderValue { get; }

    /// <summary>The <c>gateway.requests</c> tags of this outcome (built once: counting a request allocates nothing).</summary>
    internal KeyValuePair<string, object?>[] OutcomeTags { get; }

    public override string ToString() => $"{Status} {Code}";
}
