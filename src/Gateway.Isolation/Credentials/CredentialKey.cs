using Gateway.Policies;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// Everything a credential set depends on: organization and permission set, plus the user when sessions are per user.
/// (The membership role only selects the permission set, so two roles with the same set share credentials.)
/// </summary>
internal readonly record struct CredentialKey(OrganizationId OrganizationId, string PermissionSet, string? UserId);
