using System.Diagnostics.CodeAnalysis;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.RateLimiting;
using Gateway.Policies;

namespace Gateway.Isolation.Evaluation;

/// <summary>
/// The one result of <see cref="ITenantIsolationEvaluator.DecideAsync"/> (<see cref="Outcome"/>): allowed (role,
/// permission set, scoped credentials and their STS session name), legacy (role and the legacy cluster) or denied
/// (<see cref="Denial"/>, an audit <see cref="Reason"/> and, for transient failures, <see cref="RetryAfter"/>).
/// <see cref="ToString"/> never shows secrets.
/// </summary>
public sealed class TenantIsolationDecision
{
    private TenantIsolationDecision(
        TenantOutcome outcome, OrganizationId organizationId, string userId, TenantDenialCode denial, string reason, TimeSpan? retryAfter,
        string? role, string? permissionSet, ScopedCredentials? credentials, string? legacyClusterId)
    {
        Outcome = outcome;
        OrganizationId = organizationId;
        UserId = userId;
        Denial = denial;
        Reason = reason;
        RetryAfter = retryAfter;
        Role = role;
        PermissionSet = permissionSet;
        Credentials = credentials;
        LegacyClusterId = legacyClusterId;
    }

    /// <summary>The audit reason of an allow.</summary>
    public const string AllowedReason = "allowed";

    /// <summary>The audit reason of a legacy routing.</summary>
    public const string LegacyReason = "legacy";

    public TenantOutcome Outcome { get; }

    public OrganizationId OrganizationId { get; }

    public string UserId { get; }

    [MemberNotNullWhen(true, nameof(Role), nameof(PermissionSet), nameof(Credentials), nameof(SessionName))]
    public bool IsAllowed => Outcome == TenantOutcome.Allowed;

    [MemberNotNullWhen(true, nameof(Role), nameof(LegacyClusterId))]
    public bool IsLegacy => Outcome == TenantOutcome.Legacy;

    /// <summary><see cref="TenantDenialCode.None"/> unless denied.</summary>
    public TenantDenialCode Denial { get; }

    /// <summary>Audit reason: a fixed snake_case value, or for a membership store failure its one-line description.</summary>
    public string Reason { get; }

    /// <summary>How long a caller should wait before retrying a transient denial; null otherwise.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The membership role (allowed, legacy).</summary>
    public string? Role { get; }

    /// <summary>The permission set's name (allowed).</summary>
    public string? PermissionSet { get; }

    /// <summary>Credentials scoped to the organization and permission set (allowed).</summary>
    public ScopedCredentials? Credentials { get; }

    /// <summary>The STS RoleSessionName of <see cref="Credentials"/> (allowed).</summary>
    public string? SessionName => Credentials?.SessionName;

    /// <summary>The route's legacy cluster the request goes to (legacy).</summary>
    public string? LegacyClusterId { get; }

    /// <summary>
    /// The organization's shard count the credentials were minted for (allowed): its partition keys are <c>{org}</c> or
    /// <c>{org}#0</c>…<c>{org}#N−1</c>, and the envelope tells the backend N. One unless the engine allowed a sharded organization.
    /// </summary>
    public ShardCount Shards => CredentialKey?.Shards ?? ShardCount.One;

    /// <summary>The cache key <see cref="Credentials"/> came from (allowed by the engine): what a rejection of them may drop.</summary>
    internal CredentialKey? CredentialKey { get; private init; }

    /// <summary>
    /// The organization's rate limit state for the <c>RateLimit-Policy</c> / <c>RateLimit</c> headers (allowed, legacy and
    /// <see cref="TenantDenialCode.OrganizationRateLimited"/>); null when rate limits are off or the tier sets no rate.
    /// </summary>
    public RateLimitStatus? RateLimit { get; private set; }

    /// <summary>
    /// The organization's concurrency slot (allowed, legacy) when its tier limits concurrent requests: the host disposes it
    /// when the proxied response is complete, failed or aborted. Null otherwise. Disposing twice is harmless.
    /// </summary>
    public IDisposable? ConcurrencyLease { get; private set; }

    /// <summary>Attaches the limiter's answer (the engine does, before handing the decision out).</summary>
    internal TenantIsolationDecision WithRateLimit(RateLimitStatus? status, IDisposable? lease)
    {
        RateLimit = status;
        ConcurrencyLease = lease;
        return this;
    }

    public static TenantIsolationDecision Allow(OrganizationId organizationId, string userId, string role, string permissionSet, ScopedCredentials credentials)
        => Allow(organizationId, userId, role, permissionSet, credentials, null);

    /// <summary>An allow by the engine, remembering the cache key of <paramref name="credentials"/>.</summary>
    internal static TenantIsolationDecision Allow(OrganizationId organizationId, string userId, string role, string permissionSet, ScopedCredentials credentials, CredentialKey? key)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(role);
        ArgumentNullException.ThrowIfNull(permissionSet);
        ArgumentNullException.ThrowIfNull(credentials);
        return new(TenantOutcome.Allowed, organizationId, userId, TenantDenialCode.None, AllowedReason, null, role, permissionSet, credentials, null) { CredentialKey = key };
    }

    public static TenantIsolationDecision Legacy(OrganizationId organizationId, string userId, string role, string legacyClusterId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(role);
        ArgumentException.ThrowIfNullOrEmpty(legacyClusterId);
        return new(TenantOutcome.Legacy, organizationId, userId, TenantDenialCode.None, LegacyReason, null, role, null, null, legacyClusterId);
    }

    public static TenantIsolationDecision Deny(OrganizationId organizationId, string userId, TenantDenialCode denial, string reason, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        if (denial == TenantDenialCode.None)
        {
            throw new ArgumentOutOfRangeException(nameof(denial), "A denial needs a code.");
        }

        return new(TenantOutcome.Denied, organizationId, userId, denial, reason, retryAfter, null, null, null, null);
    }

    public override string ToString() => Outcome switch
    {
        TenantOutcome.Allowed => $"TenantIsolationDecision {{ Allowed, OrganizationId = {OrganizationId}, UserId = {UserId}, Role = {Role}, PermissionSet = {PermissionSet}, Credentials = {Credentials} }}",
        TenantOutcome.Legacy => $"TenantIsolationDecision {{ Legacy, OrganizationId = {OrganizationId}, UserId = {UserId}, Role = {Role}, LegacyClusterId = {LegacyClusterId} }}",
        _ => $"TenantIsolationDecision {{ Denied = {Denial}, Reason = {Reason}, RetryAfter = {RetryAfter}, OrganizationId = {OrganizationId}, UserId = {UserId} }}",
    };
}
