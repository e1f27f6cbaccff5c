namespace LoadTests.Scenarios;

/// <summary>
/// What a scenario needs from one HTTP exchange: status, problem <c>code</c>, Retry-After presence, body (when read), and
/// whether the backend marked the answer <c>X-Tenant-Credentials-Rejected</c>.
/// </summary>
internal sealed record HttpOutcome(int StatusCode, string? Code, bool HasRetryAfter, string? Body, long Size, bool CredentialsRejectedHeader = false)
{
    /// <summary>The response header Gateway.Backend sets (value <c>1</c>) on <c>tenant_credentials_rejected</c>.</summary>
    public const string CredentialsRejectedHeaderName = "X-Tenant-Credentials-Rejected";

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    /// <summary>
    /// The backend saw no valid tenant context (<c>tenant_context_missing</c> / <c>tenant_context_invalid</c>): the gateway
    /// forwarded a request without a genuine envelope. A leak counter: must stay 0.
    /// </summary>
    public bool IsUnscopedForward => Code is "tenant_context_missing" or "tenant_context_invalid";

    /// <summary>
    /// The envelope was genuine but the backend's data store refused the credential set in it
    /// (<c>tenant_credentials_rejected</c>, or the <see cref="CredentialsRejectedHeaderName"/> header): an outage of
    /// credentials (e.g. LocalAws restarted and forgot its sessions), not a leak.
    /// </summary>
    public bool IsRejectedCredentials => !IsUnscopedForward && (Code is "tenant_credentials_rejected" || CredentialsRejectedHeader);
}
