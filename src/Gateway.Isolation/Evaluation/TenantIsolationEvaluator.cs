using System.Diagnostics;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Memberships;
using Gateway.Isolation.Permissions;
using Gateway.Isolation.RateLimiting;
using Gateway.Policies;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Evaluation;

/// <summary>
/// <see cref="ITenantIsolationEvaluator"/> over <see cref="OrganizationService"/> (the organization's record, read once
/// per request), <see cref="MembershipService"/>, <see cref="PermissionSetCatalog"/> and
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
    internal const string InvalidShardCountReason = "invalid_shard_count";
    internal const string EvictedMeanwhileReason = "The membership was evicted while credentials were being obtained; try again.";

    private readonly MembershipService _membership;
    private readonly OrganizationService _organizations;
    private readonly CredentialCache _credentials;
    private readonly PermissionSetCatalog _catalog;
    private readonly OrganizationRateLimiter _limiter;
    private readonly bool _perUser;
    private readonly TimeSpan _membershipRetryAfter;
    private readonly TimeSpan _migratingRetryAfter;
    private readonly IsolationMetrics? _metrics;
    private readonly TimeProvider _time;

    /// <param name="metrics">Where each decision is timed (<c>gateway.tenant.stage.duration{stage="decision"}</c>); null: not timed.</param>
    /// <param name="time">The clock of that timing (default: the system's).</param>
    public TenantIsolationEvaluator(MembershipService membership, OrganizationService organizations, CredentialCache credentials, PermissionSetCatalog catalog, OrganizationRateLimiter limiter, IOptions<TenantIsolationOptions> options, IsolationMetrics? metrics = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _metrics = metrics;
        _time = time ?? TimeProvider.System;
        _membership = membership;
        _organizations = organizations;
        _credentials = credentials;
        _catalog = catalog;
        _limiter = limiter;
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
        var started = _time.GetTimestamp();
        TenantIsolationDecision decision;
        try
        {
            decision = await DecideAsync(userId, organizationId, legacyClusterId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _metrics?.Decision(_time.GetElapsedTime(started));
        }

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
    /// Reads the organization's record once, then: on a route with a legacy cluster, MIGRATING → denied; an unknown data
    /// location → denied (never legacy by default); not yet migrated → the membership check, then legacy; anything else
    /// (migrated, or unknown / inactive organizations, which the isolated decision refuses) and routes without a legacy
    /// cluster → the isolated decision on the same record.
    /// </summary>
    private async ValueTask<TenantIsolationDecision> DecideAsync(string userId, OrganizationId organizationId, string? legacyClusterId, CancellationToken cancellationToken)
    {
        // Read before the organization's record: an eviction of the user drops the record too, and a check that finds the
        // generation moved reads it again (and, while credentials are awaited, the membership as well).
        var generation = _membership.Generation(userId, organizationId.Value);

        // On a route without a legacy cluster the membership lookup starts beside the organization's record: two reads of
        // the gateway's own tables, neither mints anything, so a cold request waits for one table round trip instead of
        // two. Nothing is decided before both answered, and STS is called only after the membership was proven
        // (DecideIsolatedAsync). On a legacy route the record decides first (MIGRATING refuses without asking the membership).
        MembershipLookup? membershipLookup = legacyClusterId is null ? StartMembershipLookup(userId, organizationId, cancellationToken) : null;
        OrganizationRecord organization;
        try
        {
            organization = await _organizations.GetAsync(organizationId, cancellationToken).ConfigureAwait(false);
        }
        catch (MembershipUnavailableException ex)
        {
            membershipLookup?.Abandon();
            return TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.MembershipUnavailable, ex.Message, _membershipRetryAfter);
        }
        catch
        {
            membershipLookup?.Abandon();
            throw;
        }

        if (legacyClusterId is not null)
        {
            if (organization.Status == OrganizationStatus.Migrating)
            {
                return TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.OrganizationMigrating, MigratingReason, _migratingRetryAfter);
            }

            if (organization.Status == OrganizationStatus.Active && organization.DataLocation == OrganizationDataLocation.Unrecognized)
            {
                return TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.UnknownDataLocation, UnknownDataLocationReason);
            }

            if (organization.Status == OrganizationStatus.Active && organization.DataLocation == OrganizationDataLocation.Legacy)
            {
                var (membership, denial) = await CheckMembershipAsync(userId, organizationId, organization, generation, membershipLookup, cancellationToken).ConfigureAwait(false);
                if (denial is not null)
                {
                    return denial;
                }

                var (limit, limited) = await LimitAsync(userId, organizationId, organization).ConfigureAwait(false);
                return limited ?? TenantIsolationDecision.Legacy(organizationId, userId, membership!.Value.Role, legacyClusterId).WithRateLimit(limit.Status, limit.Lease);
            }
        }

        return await DecideIsolatedAsync(userId, organizationId, organization, generation, membershipLookup, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the membership lookup under its own span (tagged with the cache result by <see cref="MembershipService"/>)
    /// and returns with the caller's span current again, so the organization's read that runs beside it is not its child.
    /// </summary>
    private MembershipLookup StartMembershipLookup(string userId, OrganizationId organizationId, CancellationToken cancellationToken)
    {
        var parent = Activity.Current;
        var span = IsolationTelemetry.Source.StartActivity(IsolationTelemetry.MembershipSpan);
        try
        {
            span?.SetTag(IsolationTelemetry.OrganizationTag, organizationId.Value);
            return new MembershipLookup(span, _membership.GetAsync(userId, organizationId, cancellationToken));
        }
        finally
        {
            if (span is not null)
            {
                Activity.Current = parent;
            }
        }
    }

    /// <summary>A membership lookup under way and its span; awaited once (<see cref="CheckMembershipAsync"/>) or abandoned.</summary>
    private readonly struct MembershipLookup(Activity? span, ValueTask<Membership> lookup)
    {
        public Activity? Span { get; } = span;

        public ValueTask<Membership> Lookup { get; } = lookup;

        /// <summary>Not needed after all (the organization's record decided): ends the span and observes a failure.</summary>
        public void Abandon()
        {
            Span?.Dispose();
            if (!Lookup.IsCompletedSuccessfully)
            {
                _ = Lookup.AsTask().ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    /// <summary>The snake_case reason for fixed denials; the code name for a membership store failure (its reason is free text).</summary>
    private static string OutcomeCode(TenantIsolationDecision decision)
        => decision.Denial == TenantDenialCode.MembershipUnavailable ? "membership_unavailable" : decision.Reason;

    /// <summary>
    /// The membership of a member of an ACTIVE organization whose role maps to a permission set, or the denial. Without a
    /// membership item the answer is not_a_member whatever the organization's state (a non-member learns nothing about it).
    /// </summary>
    /// <param name="organization">The request's organization record; null reads it again (after an eviction).</param>
    /// <param name="generation">The user's eviction generation read before <paramref name="organization"/>: when it moved, the record is read again.</param>
    /// <param name="lookup">The membership lookup started beside the organization's read; null starts one now.</param>
    private async ValueTask<(Member? Membership, TenantIsolationDecision? Denial)> CheckMembershipAsync(
        string userId, OrganizationId organizationId, OrganizationRecord? organization, long generation, MembershipLookup? lookup, CancellationToken cancellationToken)
    {
        Membership membership;
        var started = lookup ?? StartMembershipLookup(userId, organizationId, cancellationToken);
        using (var span = started.Span)
        {
            try
            {
                membership = await started.Lookup.ConfigureAwait(false);
                span?.SetTag(IsolationTelemetry.OutcomeTag, membership.IsMember ? "member" : membership.Status.ToString());
            }
            catch (MembershipUnavailableException ex)
            {
                span?.SetStatus(ActivityStatusCode.Error, "membership_unavailable");
                return (null, TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.MembershipUnavailable, ex.Message, _membershipRetryAfter));
            }
        }

        if (membership.Status == MembershipStatus.NotAMember)
        {
            return (null, TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.NotAMember, NotAMemberReason));
        }

        if (organization is null || _membership.Generation(userId, organizationId.Value) != generation)
        {
            try
            {
                organization = await _organizations.GetAsync(organizationId, cancellationToken).ConfigureAwait(false);
            }
            catch (MembershipUnavailableException ex)
            {
                return (null, TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.MembershipUnavailable, ex.Message, _membershipRetryAfter));
            }
        }

        var organizationDenial = organization.Status switch
        {
            OrganizationStatus.Active => null,
            OrganizationStatus.Unknown => TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.UnknownOrganization, UnknownOrganizationReason),
            OrganizationStatus.Migrating => TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.OrganizationMigrating, MigratingReason, _migratingRetryAfter),
            _ => TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.OrganizationSuspended, SuspendedReason),
        };
        if (organizationDenial is not null)
        {
            return (null, organizationDenial);
        }

        if (organization.ShardsInvalid)
        {
            return (null, TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.InvalidShardCount, InvalidShardCountReason));
        }

        if (!membership.IsMember)
        {
            return (null, TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.NotAMember, NotAMemberReason));
        }

        return _catalog.TryGetForRole(membership.Role!, out var set)
            ? (new Member(membership.Role!, set, organization.Shards), null)
            : (null, TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.RoleNotMapped, RoleNotMappedReason));
    }

    /// <param name="generation">
    /// The user's eviction generation, read before the organization's record and the membership check: an eviction of the
    /// user while the credentials are awaited (STS, retries, the fleet lock) moves it, and the request is then not allowed
    /// on the membership it checked before.
    /// </param>
    private async ValueTask<TenantIsolationDecision> DecideIsolatedAsync(string userId, OrganizationId organizationId, OrganizationRecord organization, long generation, MembershipLookup? membershipLookup, CancellationToken cancellationToken)
    {
        var (membership, denial) = await CheckMembershipAsync(userId, organizationId, organization, generation, membershipLookup, cancellationToken).ConfigureAwait(false);
        if (denial is not null)
        {
            return denial;
        }

        // After the membership decision (a non-member never spends the organization's budget), before STS.
        var (limit, limited) = await LimitAsync(userId, organizationId, organization).ConfigureAwait(false);
        if (limited is not null)
        {
            return limited;
        }

        TenantIsolationDecision? decision = null;
        try
        {
            decision = await DecideCredentialsAsync(userId, organizationId, membership!.Value, generation, cancellationToken).ConfigureAwait(false);
            return decision.IsAllowed ? decision.WithRateLimit(limit.Status, limit.Lease) : decision;
        }
        finally
        {
            // The slot goes with an allowed decision to the host, which releases it when the response is complete.
            if (decision is not { IsAllowed: true })
            {
                limit.Lease?.Dispose();
            }
        }
    }

    /// <summary>
    /// The organization's rate and concurrency limits (<see cref="OrganizationRateLimiter"/>) for the tier its record names:
    /// the limiter's answer, and the 429 decision when it refuses.
    /// </summary>
    private async ValueTask<(RateLimitDecision Limit, TenantIsolationDecision? Denial)> LimitAsync(string userId, OrganizationId organizationId, OrganizationRecord organization)
    {
        var limit = await _limiter.AcquireAsync(organizationId, organization.Tier).ConfigureAwait(false);
        return limit.Allowed
            ? (limit, null)
            : (limit, TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.OrganizationRateLimited, limit.Reason, limit.RetryAfter).WithRateLimit(limit.Status, null));
    }

    private async ValueTask<TenantIsolationDecision> DecideCredentialsAsync(string userId, OrganizationId organizationId, Member membership, long generation, CancellationToken cancellationToken)
    {
        var (role, permissionSet, shards) = membership;
        var key = new CredentialKey(organizationId, permissionSet.Name, _perUser ? userId : null, _catalog.PolicyDigest(permissionSet), shards);
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

        if (result.Credentials is not null && _membership.Generation(userId, organizationId.Value) != generation)
        {
            // Evicted meanwhile: check once more (fresh lookups of the membership and the organization's record, as the
            // eviction dropped both). A denial
            // stands; the same role and permission set keeps the credentials; anything else (another role, or yet
            // another eviction) is refused with 503 rather than allowed on an answer that may predate the revocation.
            var recheckGeneration = _membership.Generation(userId, organizationId.Value);
            var (again, againDenial) = await CheckMembershipAsync(userId, organizationId, null, recheckGeneration, null, cancellationToken).ConfigureAwait(false);
            if (againDenial is not null)
            {
                return againDenial;
            }

            if (again!.Value != membership || _membership.Generation(userId, organizationId.Value) != recheckGeneration)
            {
                return TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.MembershipUnavailable, EvictedMeanwhileReason, _membershipRetryAfter);
            }
        }

        return result.Credentials is { } credentials
            ? TenantIsolationDecision.Allow(organizationId, userId, role, permissionSet.Name, credentials, key)
            : TenantIsolationDecision.Deny(organizationId, userId, TenantDenialCode.CredentialsUnavailable, StsUnavailableReason, result.RetryAfter);
    }

    public ValueTask<CredentialRejectionOutcome> CredentialsRejectedAsync(TenantIsolationDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        // Only what this engine allowed, and only the key and set it allowed with: the report names nothing itself.
        return decision.IsAllowed && decision.CredentialKey is { } key
            ? _credentials.RejectedAsync(key, decision.Credentials)
            : ValueTask.FromResult(CredentialRejectionOutcome.NotApplicable);
    }

    /// <summary>A member whose role maps to a permission set (the set as found, not looked up again), and the shard count of
    /// the organization record that decided it (part of the credential key: a reshard is another key).</summary>
    private readonly record struct Member(string Role, Gateway.Policies.SessionPolicies.PermissionSet PermissionSet, ShardCount Shards);
}
