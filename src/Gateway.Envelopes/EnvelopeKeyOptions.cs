namespace Gateway.Envelopes;

/// <summary>
/// A configured envelope key: a key id and the base64 of a 64-byte key. The shape of each entry of a backend's
/// <c>TenantContext:Keys</c> and of the gateway's <c>TenantIsolation:Envelopes:{cluster}:Current</c> / <c>Previous</c>;
/// both sides parse it with <see cref="EnvelopeKey"/>. <see cref="ToString"/> never shows the key.
/// </summary>
public sealed class EnvelopeKeyOptions
{
    /// <summary>Key id, matched against the envelope's <c>kid</c> header.</summary>
    public string KeyId { get; set; } = string.Empty;

    /// <summary>Base64 (standard or URL-safe, padding optional; see <see cref="EnvelopeKey.TryDecodeBase64"/>) of exactly 64 bytes. Secret.</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary>Shows the key id only.</summary>
    public override string ToString() => $"EnvelopeKeyOptions {{ KeyId = {KeyId}, Key = [redacted] }}";
}
