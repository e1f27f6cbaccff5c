namespace Gateway.Isolation.Configuration;

/// <summary>
/// The <c>TenantIsolation:SharedCache:Sealing</c> section: AES-256-GCM keys for L2 entries. <see cref="ActiveKeyId"/> seals
/// new entries; every key in <see cref="Keys"/> can open entries (rotation: add the new key, switch the id, drop the old
/// key once the longest TTL has passed). <see cref="ToString"/> never shows key material.
/// </summary>
public sealed class SharedCacheSealingOptions
{
    /// <summary>Id of the key that seals new entries (1–32 characters of <c>[A-Za-z0-9._-]</c>). Required when Redis is set.</summary>
    public string? ActiveKeyId { get; set; }

    /// <summary>Key id → 32 random bytes, base64 (e.g. <c>openssl rand -base64 32</c>); supply through environment variables or a secret store.</summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    public override string ToString() => $"SharedCacheSealingOptions {{ ActiveKeyId = {ActiveKeyId}, Keys = [{string.Join(", ", Keys.Keys)}] (material redacted) }}";
}
