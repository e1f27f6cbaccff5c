using Gateway.Backend.Envelopes;

namespace Gateway.Backend.Context;

/// <summary>Options of <c>AddTenantContext</c>, bound from the <c>TenantContext</c> configuration section.</summary>
public sealed class TenantContextOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "TenantContext";

    /// <summary>Expected envelope issuer. Default <c>tenant-gateway</c>.</summary>
    public string Issuer { get; set; } = "tenant-gateway";

    /// <summary>Expected envelope audience: the gateway's cluster id for this service. Required.</summary>
    public string Audience { get; set; } = string.Empty;

    /// <summary>The key ring: the current key and, during rotation, the previous one. At least one.</summary>
    public IList<EnvelopeKeyOptions> Keys { get; } = new List<EnvelopeKeyOptions>();

    /// <summary>The header carrying the envelope. Default <c>X-Tenant-Context</c>.</summary>
    public string HeaderName { get; set; } = EnvelopeClaimNames.HeaderName;

    /// <summary>Status for a missing/invalid/expired envelope: 401 (default) or 403.</summary>
    public int RejectionStatusCode { get; set; } = 401;

    /// <summary>Where the scoped DynamoDB client goes.</summary>
    public TenantDynamoDbOptions DynamoDb { get; set; } = new();
}
