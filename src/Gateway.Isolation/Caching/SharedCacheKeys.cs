namespace Gateway.Isolation.Caching;

/// <summary>
/// L2 keys (below the configured prefix, which the Redis layer adds): <c>c:{organization}:{permission set}:{policy digest}:u.{user}</c>
/// for per-user credentials and <c>c:{organization}:{permission set}:{policy digest}:-</c> for organization-wide ones (the
/// <c>u.</c> prefix keeps a user literally named <c>-</c> apart from them; the digest keeps credentials minted under
/// another definition of the permission set apart), <c>m2:{user}:{organization}</c> for memberships. User
/// ids are percent-encoded, so they contain no <c>:</c> and no glob characters and <c>evict</c> can match them with a
/// SCAN pattern.
/// Memberships are <c>m2:</c> since a cached membership stopped meaning "member of an ACTIVE organization" (the
/// organization's status now lives in its own record): a fleet mid-rollout shares one Redis, and an older instance
/// reading a newer instance's "member" of a suspended organization under the old <c>m:</c> key would admit it. A change
/// of what an entry means is a change of its key.
/// </summary>
internal static class SharedCacheKeys
{
    /// <summary>The memberships' key prefix, versioned (see above); never <c>m:</c> again.</summary>
    public const string MembershipPrefix = "m2:";

    public static string Credentials(string organizationId, string permissionSet, string policyDigest, string? userId)
        => $"c:{organizationId}:{Uri.EscapeDataString(permissionSet)}:{policyDigest}:{(userId is null ? "-" : "u." + Uri.EscapeDataString(userId))}";

    public static string Membership(string userId, string organizationId) => $"{MembershipPrefix}{Uri.EscapeDataString(userId)}:{organizationId}";

    /// <summary>
    /// SCAN patterns (prefix excluded) matching a user's memberships and per-user credentials, optionally in one
    /// organization; with no user, every membership in <paramref name="organizationId"/> and every credential set of it
    /// (organization-wide and per-user). Organization ids are <c>[A-Za-z0-9._-]</c> and user ids percent-encoded, so neither
    /// holds a glob character or a <c>:</c>: <c>c:acme:*</c> never matches <c>c:acme-2:…</c>.
    /// </summary>
    public static IReadOnlyList<string> EvictionPatterns(string? userId, string? organizationId)
    {
        if (userId is null)
        {
            ArgumentNullException.ThrowIfNull(organizationId);
            return [$"{MembershipPrefix}*:{organizationId}", $"c:{organizationId}:*"];
        }

        var user = Uri.EscapeDataString(userId);
        var organization = organizationId ?? "*";
        return [$"{MembershipPrefix}{user}:{organization}", $"c:{organization}:*:u.{user}"];
    }

    /// <summary>The fleet lock held around one AssumeRole for <paramref name="entryKey"/>.</summary>
    public static string Lock(string entryKey) => $"lock:{entryKey}";

    /// <summary>The backplane channel carrying evictions, and the one carrying each instance's confirmation.</summary>
    public const string EvictChannel = "evict";

    public const string EvictAckChannel = "evict-ack";

    /// <summary>The backplane channel carrying <see cref="CredentialsRejectedMessage"/>s (no confirmation).</summary>
    public const string CredentialsRejectedChannel = "credentials-rejected";
}
