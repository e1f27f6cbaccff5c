using Gateway.Isolation.Evaluation;

namespace Gateway.Tenancy;

/// <summary>Writes the <c>X-Tenant-Context</c> envelope of an allowed decision for a cluster (its audience).</summary>
internal interface IEnvelopeService
{
    /// <summary>Whether <paramref name="clusterId"/> has an envelope key (validated at config load).</summary>
    bool HasKeyFor(string clusterId);

    /// <summary>The envelope for this request, or null when the cluster has no key (the caller fails closed).</summary>
    string? GetEnvelope(TenantIsolationDecision decision, string clusterId, string requestId);
}
