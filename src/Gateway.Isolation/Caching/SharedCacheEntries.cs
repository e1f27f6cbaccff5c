using System.Text.Json.Serialization;

namespace Gateway.Isolation.Caching;

/// <summary>A credential set as stored in L2 (sealed by <see cref="SealedDistributedCache"/> before it leaves the process).</summary>
internal sealed record CredentialEntry(string AccessKeyId, string SecretAccessKey, string SessionToken, DateTimeOffset Expiration, string SessionName)
{
    public override string ToString() => $"CredentialEntry {{ AccessKeyId = {AccessKeyId}, Expiration = {Expiration:O}, [secrets redacted] }}";
}

/// <summary>A membership answer as stored in L2, with the instant its TTL ends.</summary>
internal sealed record MembershipEntry(int Status, string? Role, DateTimeOffset ExpiresAt);

/// <summary>A backplane eviction: drop (user[, organization]) everywhere, then confirm with <see cref="Id"/>.</summary>
internal sealed record EvictionMessage(string Id, string UserId, string? OrganizationId);

[JsonSerializable(typeof(CredentialEntry))]
[JsonSerializable(typeof(MembershipEntry))]
[JsonSerializable(typeof(EvictionMessage))]
internal sealed partial class SharedCacheJsonContext : JsonSerializerContext;
