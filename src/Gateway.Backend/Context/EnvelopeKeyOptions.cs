namespace Gateway.Backend.Context;

/// <summary>One entry of <c>TenantContext:Keys</c>: a key id and the base64 of a 64-byte key.</summary>
public sealed class EnvelopeKeyOptions
{
    /// <summary>Key id, matched against the envelope's <c>kid</c> header.</summary>
    public string KeyId { get; set; } = string.Empty;

    /// <summary>Base64 (standard or URL-safe) of exactly 64 bytes. Secret.</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary>Shows the key id only.</summary>
    public override string ToString() => $"EnvelopeKeyOptions {{ KeyId = {KeyId}, Key = [redacted] }}";
}
