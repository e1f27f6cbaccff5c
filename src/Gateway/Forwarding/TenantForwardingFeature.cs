using Gateway.Credentials;
using Gateway.Policies;

namespace Gateway.Forwarding;

/// <summary>The tenant decision for one allowed request, handed from the isolation middleware to the request transform.</summary>
internal sealed class TenantForwardingFeature(OrganizationId organizationId, string userId, string role, string permissionSet, ScopedCredentials credentials)
{
    public OrganizationId OrganizationId { get; } = organizationId;

    public string UserId { get; } = userId;

    public string Role { get; } = role;

    public string PermissionSet { get; } = permissionSet;

    public ScopedCredentials Credentials { get; } = credentials;

    public override string ToString() => $"TenantForwardingFeature {{ OrganizationId = {OrganizationId}, UserId = {UserId}, Role = {Role}, PermissionSet = {PermissionSet}, Credentials = {Credentials} }}";
}
