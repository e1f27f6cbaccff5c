using Gateway.Isolation.Credentials;
using Gateway.Isolation.Evaluation;
using Gateway.Policies;

namespace Gateway.Tenancy;

/// <summary>The <see cref="ITenantFeature"/> of an allowed <see cref="TenantIsolationDecision"/>. <see cref="ToString"/> never shows secrets.</summary>
internal sealed class TenantFeature : ITenantFeature
{
    private readonly TenantIsolationDecision _decision;

    public TenantFeature(TenantIsolationDecision decision, string envelope)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentException.ThrowIfNullOrEmpty(envelope);
        if (!decision.IsAllowed)
        {
            throw new ArgumentException("Only an allowed decision becomes a tenant feature.", nameof(decision));
        }

        _decision = decision;
        Envelope = envelope;
    }

    public TenantIsolationDecision Decision => _decision;

    public OrganizationId OrganizationId => _decision.OrganizationId;

    public string UserId => _decision.UserId;

    public string Role => _decision.Role!;

    public string PermissionSet => _decision.PermissionSet!;

    public ScopedCredentials Credentials => _decision.Credentials!;

    public string Envelope { get; }

    public override string ToString() => $"TenantFeature {{ OrganizationId = {OrganizationId}, UserId = {UserId}, Role = {Role}, PermissionSet = {PermissionSet}, Credentials = {Credentials}, Envelope = [redacted] }}";
}
