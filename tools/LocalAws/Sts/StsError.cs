namespace LocalAws.Sts;

/// <summary>An STS error: HTTP status, code (e.g. <c>AccessDenied</c>, <c>ValidationError</c>) and message.</summary>
internal sealed record StsError(int Status, string Code, string Message)
{
    public static StsError Validation(string message) => new(400, "ValidationError", message);

    public static StsError ValidationConstraint(string member, string constraint)
        => Validation($"1 validation error detected: Value at '{member}' failed to satisfy constraint: {constraint}");

    public static StsError AccessDenied(string message) => new(403, "AccessDenied", message);
}
