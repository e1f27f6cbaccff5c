using System.Text.Json.Serialization;

namespace Gateway.Isolation.Caching;

/// <summary>A credential set as stored in L2 (sealed by <see cref="SealedDistributedCache"/> before it leaves the process).</summary>
internal sealed record CredentialEntry(string AccessKeyId, string SecretAccessKey, string SessionToken, DateTimeOffset Expiration, string SessionName, DateTimeOffset? RequestedAt = null)
{
    public override string ToString() => $"CredentialEntry {{ AccessKeyId = {AccessKeyId}, Expiration = {Expiration:O}, [secrets redacted] }}";
}

/// <summary>A membership answer as stored in L2, with the instant its TTL ends.</summary>
internal sealed record MembershipEntry(int Status, string? Role, DateTimeOffset ExpiresAt);

/// <summary>
/// A backplane eviction: drop (user[, organization]) everywhere — with no user, everything of the organization (its
/// record, every user's memberships in it, every credential set of it) — then confirm with <see cref="Id"/>. An instance
/// older than organization-wide evictions finds no user, ignores the message as malformed and does not confirm, so
/// <c>evict</c> reports it as not confirmed.
/// </summary>
internal sealed record EvictionMessage(string Id, string? UserId, string? OrganizationId);

/// <summary>
/// A backplane notice that the data store rejected one credential set: every instance drops it (by
/// <see cref="AccessKeyId"/>, never a newer set under the same key) and starts the key's rejection cooldown. The access key
/// id is no secret (it is in CloudTrail and in <c>ScopedCredentials.ToString</c>); nothing else of the set travels.
/// <see cref="Shards"/> is the key's shard count (absent from older instances' messages: 1).
/// </summary>
internal sealed record CredentialsRejectedMessage(string OrganizationId, string PermissionSet, string PolicyDigest, string? UserId, string AccessKeyId, int? Shards = null);

[JsonSerializable(typeof(CredentialEntry))]
[JsonSerializable(typeof(CredentialsRejectedMessage))]
[JsonSerializable(typeof(MembershipEntry))]
[JsonSerializable(typeof(EvictionMessage))]
internal sealed partial class SharedCacheJsonContext : JsonSerializerContext;
