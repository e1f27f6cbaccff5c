namespace Gateway.Envelopes;

/// <summary>Stable failure codes for <c>X-Tenant-Context</c>, used as the problem+json <c>code</c>.</summary>
public static class EnvelopeFailureCodes
{
    /// <summary>No envelope was sent (header absent or empty).</summary>
    public const string Missing = "tenant_context_missing";

    /// <summary>The envelope is malformed, not encrypted as required, under an unknown key, tampered, or for another issuer/audience.</summary>
    public const string Invalid = "tenant_context_invalid";

    /// <summary>The envelope (or the credentials in it) expired, beyond the allowed clock skew.</summary>
    public const string Expired = "tenant_context_expired";
}
