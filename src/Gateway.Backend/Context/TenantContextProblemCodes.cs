using Gateway.Envelopes;

namespace Gateway.Backend.Context;

/// <summary>The problem+json <c>code</c> values the tenant-context middleware returns.</summary>
public static class TenantContextProblemCodes
{
    /// <summary>No envelope (401 by default).</summary>
    public const string Missing = EnvelopeFailureCodes.Missing;

    /// <summary>Invalid envelope (401 by default).</summary>
    public const string Invalid = EnvelopeFailureCodes.Invalid;

    /// <summary>Expired envelope or, by the envelope's own <c>aws_exp</c>, expired session credentials (401 by default).</summary>
    public const string Expired = EnvelopeFailureCodes.Expired;

    /// <summary>
    /// The data store refused the envelope's (valid, unexpired) session credentials themselves: UnrecognizedClient,
    /// InvalidClientTokenId, ExpiredToken, InvalidSignature… (503 with <c>Retry-After</c> and
    /// <see cref="CredentialsRejectedHeader"/>). The envelope was fine; the credential set in it is no longer honoured
    /// (the store lost or revoked the session), so the gateway should mint a new one.
    /// </summary>
    public const string CredentialsRejected = "tenant_credentials_rejected";

    /// <summary>The data store cannot be reached, timed out or failed (5xx) (503 with <c>Retry-After</c>).</summary>
    public const string DataStoreUnavailable = "data_store_unavailable";

    /// <summary>
    /// Response header (value <c>1</c>) sent with <see cref="CredentialsRejected"/>: the contract the gateway's self-healing
    /// acts on (drop the credential set that was forwarded, mint a new one).
    /// </summary>
    public const string CredentialsRejectedHeader = "X-Tenant-Credentials-Rejected";

    /// <summary>IAM denied a DynamoDB call made with the scoped credentials (403).</summary>
    public const string AccessDenied = "tenant_access_denied";
}
