using Gateway.Isolation.Caching;
using Gateway.Policies;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// Everything a credential set depends on: organization and permission set, plus the user when sessions are per user,
/// and the digest of the policy the set is minted with (<see cref="Permissions.PermissionSetCatalog.PolicyDigest"/>), so
/// credentials minted under an older or broader definition of the set are another key — in process and in Redis.
/// (The membership role only selects the permission set, so two roles with the same set share credentials.) The
/// organization's <see cref="Shards"/> are part of it too: the session policy names the shard keys, so a reshard makes
/// another key and credentials minted for the old count are never served for the new one.
/// </summary>
internal readonly record struct CredentialKey(OrganizationId OrganizationId, string PermissionSet, string? UserId, string PolicyDigest, ShardCount Shards = default)
{
    /// <summary>The key of these credentials in the fleet's L2 (<see cref="SharedCacheKeys.Credentials"/>).</summary>
    public string SharedCacheKey => SharedCacheKeys.Credentials(OrganizationId.Value, PermissionSet, MintedWith, UserId);

    /// <summary>The policy digest, followed by <c>.s{N}</c> for a sharded organization (unsharded keys are today's).</summary>
    public string MintedWith => Shards.IsSharded ? $"{PolicyDigest}.s{Shards}" : PolicyDigest;
}
