using Gateway.Envelopes;

namespace Gateway.Backend.Context;

/// <summary>The problem+json <c>code</c> values the tenant-context middleware returns.</summary>
public static class TenantContextProblemCodes
{
    /// <summary>No envelope (401 by default).</summary>
    public const string Missing = EnvelopeFailureCodes.Missing;

    /// <summary>Invalid envelope (401 by default).</summary>
    public const string Invalid = EnvelopeFailureCodes.Invalid;

    /// <summary>Expired envelope or expired session credentials (401 by default).</summary>
    public const string Expired = EnvelopeFailureCodes.Expired;

    /// <summary>IAM denied a DynamoDB call made with the scoped credentials (403).</summary>
    public const string AccessDenied = "tenant_access_denied";
}
