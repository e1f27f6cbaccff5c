namespace Gateway.Isolation.Evaluation;

/// <summary>Why the isolation engine refused a (user, organization) pair. HTTP-free: the web host maps each code to a problem.</summary>
public enum TenantDenialCode
{
    /// <summary>Not denied: the decision is an allow.</summary>
    None = 0,

    /// <summary>No membership item for (user, organization), or one without a role.</summary>
    NotAMember,

    /// <summary>A member, but the organization is not ACTIVE.</summary>
    OrganizationSuspended,

    /// <summary>A membership item exists but the organization does not.</summary>
    UnknownOrganization,

    /// <summary>A member whose role is not mapped to a permission set under <c>TenantIsolation:Roles</c>.</summary>
    RoleNotMapped,

    /// <summary>The membership store could not answer; retry after <see cref="TenantIsolationDecision.RetryAfter"/>.</summary>
    MembershipUnavailable,

    /// <summary>STS issued no scoped credentials; retry after <see cref="TenantIsolationDecision.RetryAfter"/>. Never forward unscoped.</summary>
    CredentialsUnavailable,

    /// <summary>The organization's status is MIGRATING (its data is being cut over); retry after <see cref="TenantIsolationDecision.RetryAfter"/>.</summary>
    OrganizationMigrating,

    /// <summary>The organization's data location attribute holds a value the gateway does not know: refused, never routed by default.</summary>
    UnknownDataLocation,

    /// <summary>
    /// The organization is over its tier's rate or concurrency limit (<c>TenantIsolation:RateLimits</c>); retry after
    /// <see cref="TenantIsolationDecision.RetryAfter"/>. <see cref="TenantIsolationDecision.RateLimit"/> carries the headers' values.
    /// </summary>
    OrganizationRateLimited,

    /// <summary>
    /// The organization's <c>shards</c> attribute is not a power of two in 1…64: refused (fail closed), never treated as
    /// unsharded. Fix the item; nothing else helps.
    /// </summary>
    InvalidShardCount,
}
