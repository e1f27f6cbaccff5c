namespace Gateway.Isolation.Caching;

/// <summary>
/// L2 keys (below the configured prefix, which the Redis layer adds): <c>c:{organization}:{permission set}:{policy digest}:u.{user}</c>
/// for per-user credentials and <c>c:{organization}:{permission set}:{policy digest}:-</c> for organization-wide ones (the
/// <c>u.</c> prefix keeps a user literally named <c>-</c> apart from them; the digest keeps credentials minted under
/// another definition of the permission set apart), <c>m:{user}:{organization}</c> for memberships. User
/// ids are percent-encoded, so they contain no <c>:</c> and no glob characters and <c>evict</c> can match them with a
/// SCAN pattern.
/// </summary>
internal static class SharedCacheKeys
{
    public static string Credentials(string organizationId, string permissionSet, string policyDigest, string? userId)
        => $"c:{organizationId}:{Uri.EscapeDataString(permissionSet)}:{policyDigest}:{(userId is null ? "-" : "u." + Uri.EscapeDataString(userId))}";

    public static string Membership(string userId, string organizationId) => $"m:{Uri.EscapeDataString(userId)}:{organizationId}";

    /// <summary>SCAN patterns (prefix excluded) matching a user's memberships and per-user credentials, optionally in one organization.</summary>
    public static IReadOnlyList<string> UserPatterns(string userId, string? organizationId)
    {
        var user = Uri.EscapeDataString(userId);
        var organization = organizationId ?? "*";
        return [$"m:{user}:{organization}", $"c:{organization}:*:u.{user}"];
    }

    /// <summary>The fleet lock held around one AssumeRole for <paramref name="entryKey"/>.</summary>
    public static string Lock(string entryKey) => $"lock:{entryKey}";

    /// <summary>The backplane channel carrying evictions, and the one carrying each instance's confirmation.</summary>
    public const string EvictChannel = "evict";

    public const string EvictAckChannel = "evict-ack";
}
