namespace Gateway.Configuration;

/// <summary>The <c>TenantIsolation:Envelopes</c> section: envelope keys per YARP cluster id (the envelope audience).</summary>
internal sealed class EnvelopeOptions
{
    public const string SectionName = "TenantIsolation:Envelopes";

    /// <summary>Cluster id (case-insensitive, as YARP matches it) → its keys.</summary>
    public Dictionary<string, ClusterEnvelopeOptions> Clusters { get; } = new(StringComparer.OrdinalIgnoreCase);
}
