namespace Gateway.Policies.SessionPolicies;

/// <summary>
/// Derives STS RoleSessionName and SourceIdentity values (2–64 characters of <c>[\w+=,.@-]</c>) from organization and
/// user ids. Characters outside the set are replaced and a hash suffix is appended whenever the value was changed or
/// truncated, so distinct inputs never collide.
/// </summary>
public static class SessionNames
{
    public const int MaxLength = 64;

    /// <summary>RoleSessionName for an organization-scoped session (user null) or a per-user session.</summary>
    public static string RoleSessionName(OrganizationId organizationId, string? userId = null) => throw new NotImplementedException();

    /// <summary>SourceIdentity for a user id (never starts with <c>aws:</c>).</summary>
    public static string SourceIdentity(string userId) => throw new NotImplementedException();

    /// <summary>True when the value is 2–64 characters of <c>[\w+=,.@-]</c>.</summary>
    public static bool IsValid(string? value) => throw new NotImplementedException();
}
