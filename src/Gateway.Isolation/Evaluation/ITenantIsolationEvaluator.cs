using Gateway.Isolation.Credentials;

namespace Gateway.Isolation.Evaluation;

/// <summary>
/// The decision engine: organization record and membership (each cached, server-side) → role → permission set →
/// organization-scoped STS credentials (cached, single flight, resilient). One call per request; expected outcomes are
/// values (<see cref="TenantIsolationDecision"/>), never exceptions; only the caller's cancellation throws.
/// </summary>
public interface ITenantIsolationEvaluator
{
    /// <summary>
    /// Decides a request. With a <see cref="TenantRequest.LegacyClusterId"/> (organization-by-organization migration):
    /// MIGRATING → denied <see cref="TenantDenialCode.OrganizationMigrating"/>; not yet migrated → the membership check,
    /// then <see cref="TenantOutcome.Legacy"/>; an unreadable organization or an unknown data location → denied (never
    /// legacy by default); migrated → decided like a route without one: <see cref="TenantOutcome.Allowed"/> with scoped
    /// credentials, or <see cref="TenantOutcome.Denied"/>.
    /// </summary>
    /// <param name="request">The request's facts.</param>
    /// <param name="cancellationToken">The caller giving up; shared lookups and STS calls continue for other callers.</param>
    ValueTask<TenantIsolationDecision> DecideAsync(TenantRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// A backend answered a request allowed by <paramref name="decision"/> with <c>X-Tenant-Credentials-Rejected: 1</c>
    /// (the data store refused the request's credentials): drops exactly that credential set — the decision's own key and
    /// access key id, so a backend can only ever cause the re-minting of the set it was handed — unless a newer one was minted
    /// meanwhile, and at most once per <c>Cache:RejectionCooldown</c> per key. A decision that is not an engine's allow
    /// (legacy, denied, built by hand) is <see cref="CredentialRejectionOutcome.NotApplicable"/>. Never throws for L2 problems.
    /// </summary>
    ValueTask<CredentialRejectionOutcome> CredentialsRejectedAsync(TenantIsolationDecision decision, CancellationToken cancellationToken);
}
