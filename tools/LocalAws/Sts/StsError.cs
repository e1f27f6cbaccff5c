namespace LocalAws.Sts;

/// <summary>An STS error: HTTP status, code (e.g. <c>AccessDenied</c>, <c>ValidationError</c>) and message.</summary>
internal sealed record StsError(int Status, string Code, string Message)
{
    public static StsError Validation(string message) => new(400, "ValidationError", message);

    public static StsError ValidationConstraint(string member, string constraint)
        => Validation($"1 validation error detected: Value at '{member}' failed to satisfy constraint: {constraint}");

    public static StsError AccessDenied(string message) => new(403, "AccessDenied", message);

    /// <summary>The Query-protocol error (STS and IAM answer alike) for a request whose SigV4 authentication failed.</summary>
    public static StsError ForAuthentication(LocalAws.Signing.AuthenticationResult auth)
    {
        ArgumentNullException.ThrowIfNull(auth);
        return auth.Failure switch
        {
            LocalAws.Signing.AuthFailure.MissingAuthenticationToken => new StsError(403, "MissingAuthenticationToken", auth.Message),
            LocalAws.Signing.AuthFailure.IncompleteSignature => new StsError(400, "IncompleteSignature", auth.Message),
            LocalAws.Signing.AuthFailure.UnrecognizedClient => new StsError(403, "InvalidClientTokenId", auth.Message),
            LocalAws.Signing.AuthFailure.ExpiredToken => new StsError(400, "ExpiredToken", auth.Message),
            _ => new StsError(403, "SignatureDoesNotMatch", auth.Message),
        };
    }
}
