using System.Diagnostics;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Memberships;
using Gateway.Isolation.Permissions;
using Gateway.Policies;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Evaluation;

/// <summary>
/// <see cref="ITenantIsolationEvaluator"/> over <see cref="MembershipService"/>, <see cref="PermissionSetCatalog"/> and
/// <see cref="CredentialCache"/>, with one <c>gateway.isolation</c> span per evaluation.
/// </summary>
internal sealed class TenantIsolationEvaluator : ITenantIsolationEvaluator
{
    internal const string NotAMemberReason = "not_a_member";
    internal const string SuspendedReason = "organization_suspended";
    internal const string UnknownOrganizationReason = "unknown_organization";
    internal const string RoleNotMappedReason = "role_not_mapped";
    internal const string StsUnavailableReason = "sts_unavailable";
    internal const string MigratingReason = "organization_migrating";
    internal const string UnknownDataLocationReason = "unknown_data_location";
    internal const string EvictedMeanwhileReason = "The membership was evicted while credentials were being obtained; try again.";

    private readonly MembershipService _membership;
    private readonly OrganizationPlacementService _placements;
    private readonly CredentialCache _credentials;
    private readonly PermissionSetCatalog _catalog;
    private readonly bool _perUser;
    private readonly TimeSpan _membershipRetryAfter;
    private readonly TimeSpan _migratingRetryAfter;

    public TenantIsolationEvaluator(MembershipService membership, OrganizationPlacementService placements, CredentialCache credentials, PermissionSetCatalog catalog, IOptions<TenantIsolationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _membership = membership;
        _placements = placements;
        _credentials = credentials;
        _catalog = catalog;
        _perUser = options.Value.CredentialScope == CredentialScope.User;
        _membershipRetryAfter = options.Value.Membership.RetryAfter;
        _migratingRetryAfter = options.Value.Membership.MigratingRetryAfter;
    }

    public async ValueTask<TenantIsolationDecision> DecideAsync(TenantRequest request, CancellationToken cancellationToken)
    {
        var (userId, organizationId, legacyClusterId) = request;
        ArgumentException.ThrowIfNullOrEmpty(userId);
        using var activity = IsolationTelemetry.Source.StartActivity(IsolationTelemetry.EvaluateSpan);
        activity?.SetTag(IsolationTelemetry.OrganizationTag, organizationId.Value);
        var decision = (legacyClusterId is null ? null : await RouteAsync(userId, organizationId, legacyClusterId, cancellationToken).ConfigureAwait(false))
            ?? await DecideIsolatedAsync(userId, organizationId, cancellationToken).ConfigureAwait(false);
        if (activity is not null)
        {
            var denied = decision.Outcome == TenantOutcome.Denied;
            activity.SetTag("tenant_isolation.decision", decision.Outcome switch { TenantOutcome.Allowed => "allow", TenantOutcome.Legacy => "legacy", _ => "deny" });
            activity.SetTag("tenant_isolation.reason", denied ? decision.Denial.ToString() : decision.Reason);
            activity.SetTag(IsolationTelemetry.OutcomeTag, denied ? OutcomeCode(decision) : "ok");
            if (decision.PermissionSet is not null)
            {
                activity.SetTag(IsolationTelemetry.PermissionSetTag, decision.PermissionSet);
            }
            if (denied)
            {
                activity.SetStatus(ActivityStatusCode.Error, decision.Denial.ToString());
            }
        }

        return decision;
    }

    /// <summary>
    /// A route with a legacy cluster: reads the organization's status and data location (short TTL). MIGRATING → denied;
    /// not yet migrated → the membership check, then legacy; an unreadable status or an unknown data location → denied
    /// (never legacy by default); null → decide as on an isolated route (migrated, or unknown / inactive organizations,
    /// which the isolated decision refuses).
    /// </summary>
    private async ValueTask<TenantIsolationDecision?> RouteAsync(string userId, OrganizationId organizationId, string legacyClusterId, CancellationToken cancellationToken)
    {
        OrganizationPlacement placement;
        try
        {
            placement = await _placements.GetAsync(organizationId, cancellationToken).ConfigureAwait(false);
        }
        catch (MembershipUnavailableException ex)
        {
            return TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.MembershipUnavailable, ex.Message, _membershipRetryAfter);
        }

        switch (placement)
        {
            case OrganizationPlacement.Migrating:
                return TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.OrganizationMigrating, MigratingReason, _migratingRetryAfter);
            case OrganizationPlacement.UnknownLocation:
                return TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.UnknownDataLocation, UnknownDataLocationReason);
            case OrganizationPlacement.Legacy:
                var (membership, denial) = await CheckMembershipAsync(userId, organizationId, cancellationToken).ConfigureAwait(false);
                return denial ?? TenantIsolationDecision.Legacy(organizationId, userId, membership!.Value.Role, legacyClusterId);
            default:
                return null;
        }
    }

    /// <summary>The snake_case reason for fixed denials; the code name for a membership store failure (its reason is free text).</summary>
    private static string OutcomeCode(TenantIsolationDecision decision)
        => decision.Denial == TenantDenialCode.MembershipUnavailable ? "membership_unavailable" : decision.Reason;

    /// <summary>The membership of a member whose role maps to a permission set, or the denial.</summary>
    private async ValueTask<(Member? Membership, TenantIsolationDecision? Denial)> CheckMembershipAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken)
    {
        Membership membership;
        using (var span = IsolationTelemetry.Source.StartActivity(IsolationTelemetry.MembershipSpan))
        {
            span?.SetTag(IsolationTelemetry.OrganizationTag, organizationId.Value);
            try
            {
                membership = await _membership.GetAsync(userId, organizationId, cancellationToken).ConfigureAwait(false);
                span?.SetTag(IsolationTelemetry.OutcomeTag, membership.IsMember ? "member" : membership.Status.ToString());
            }
            catch (MembershipUnavailableException ex)
            {
                span?.SetStatus(ActivityStatusCode.Error, "membership_unavailable");
                return (null, TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.MembershipUnavailable, ex.Message, _membershipRetryAfter));
            }
        }

        if (!membership.IsMember)
        {
            if (membership.Status == MembershipStatus.Suspended && await IsMigratingAsync(organizationId, cancellationToken).ConfigureAwait(false))
            {
                return (null, TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.OrganizationMigrating, MigratingReason, _migratingRetryAfter));
            }

            return (null, membership.Status switch
            {
                MembershipStatus.Suspended => TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.OrganizationSuspended, SuspendedReason),
                MembershipStatus.UnknownOrganization => TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.UnknownOrganization, UnknownOrganizationReason),
                _ => TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.NotAMember, NotAMemberReason),
            });
        }

        return _catalog.TryGetForRole(membership.Role!, out var set)
            ? (new Member(membership.Role!, set), null)
            : (null, TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.RoleNotMapped, RoleNotMappedReason));
    }

    /// <summary>A not-ACTIVE organization that is MIGRATING gets 503 organization_migrating instead of 403; an unreadable status keeps the 403.</summary>
    private async ValueTask<bool> IsMigratingAsync(OrganizationId organizationId, CancellationToken cancellationToken)
    {
        try
        {
            return await _placements.GetAsync(organizationId, cancellationToken).ConfigureAwait(false) == OrganizationPlacement.Migrating;
        }
        catch (MembershipUnavailableException)
        {
            return false;
        }
    }

    private async ValueTask<TenantIsolationDecision> DecideIsolatedAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken)
    {
        // Read before the membership check: an eviction of the user while the credentials are awaited (STS, retries, the
        // fleet lock) moves it, and the request is then not allowed on the membership it checked before.
        var generation = _membership.Generation(userId);
        var (membership, denial) = await CheckMembershipAsync(userId, organizationId, cancellationToken).ConfigureAwait(false);
        if (denial is not null)
        {
            return denial;
        }

        var (role, permissionSet) = membership!.Value;
        var key = new CredentialKey(organizationId, permissionSet.Name, _perUser ? userId : null, _catalog.PolicyDigest(permissionSet));
        CredentialResult result;
        using (var span = IsolationTelemetry.Source.StartActivity(IsolationTelemetry.CredentialsSpan))
        {
            span?.SetTag(IsolationTelemetry.OrganizationTag, organizationId.Value);
            span?.SetTag(IsolationTelemetry.PermissionSetTag, permissionSet.Name);
            result = await _credentials.GetAsync(key, permissionSet, cancellationToken).ConfigureAwait(false);
            if (span is not null)
            {
                span.SetTag(IsolationTelemetry.OutcomeTag, result.Credentials is null ? StsUnavailableReason : "ok");
                if (result.Credentials is null)
                {
                    span.SetStatus(ActivityStatusCode.Error, StsUnavailableReason);
                }
            }
        }

        if (result.Credentials is not null && _membership.Generation(userId) != generation)
        {
            // Evicted meanwhile: check once more (a fresh lookup, as the eviction dropped the cached answer). A denial
            // stands; the same role and permission set keeps the credentials; anything else (another role, or yet
            // another eviction) is refused with 503 rather than allowed on an answer that may predate the revocation.
            var recheckGeneration = _membership.Generation(userId);
            var (again, againDenial) = await CheckMembershipAsync(userId, organizationId, cancellationToken).ConfigureAwait(false);
            if (againDenial is not null)
            {
                return againDenial;
            }

            if (again!.Value != membership.Value || _membership.Generation(userId) != recheckGeneration)
            {
                return TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.MembershipUnavailable, EvictedMeanwhileReason, _membershipRetryAfter);
            }
        }

        return result.Credentials is { } credentials
            ? TenantIsolationDecision.Allow(organizationId, userId, role, permissionSet.Name, credentials)
            : TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.CredentialsUnavailable, StsUnavailableReason, result.RetryAfter);
    }

    /// <summary>A member whose role maps to a permission set (the set as found, not looked up again).</summary>
    private readonly record struct Member(string Role, Gateway.Policies.SessionPolicies.PermissionSet PermissionSet);
}
