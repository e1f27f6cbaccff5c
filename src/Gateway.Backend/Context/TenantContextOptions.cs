using Gateway.Envelopes;

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

    /// <summary>
    /// Longest envelope accepted: <c>exp - iat</c> at most this, so an envelope sealed with a leaked key cannot be made to
    /// last for years. Default 00:05:30 (the gateway's default <c>TenantIsolation:Forwarding:EnvelopeLifetime</c> of
    /// 5 min plus the 30 s clock skew); between 00:00:10 and 01:00:00.
    /// </summary>
    public TimeSpan MaxEnvelopeLifetime { get; set; } = TenantEnvelopeReader.DefaultMaxLifetime;

    /// <summary>
    /// Envelopes remembered after verification, by their exact bytes, until their <c>exp</c> (or the credentials'
    /// expiration if earlier), so repeated envelopes cost no cryptography. Default 1,024 (the gateway reuses one envelope
    /// per credential set); 0 turns the cache off; at most 1,000,000.
    /// </summary>
    public int EnvelopeCacheSize { get; set; } = 1024;

    /// <summary>Where the scoped DynamoDB client goes.</summary>
    public TenantDynamoDbOptions DynamoDb { get; set; } = new();
}
