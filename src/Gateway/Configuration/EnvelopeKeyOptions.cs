namespace Gateway.Configuration;

/// <summary>A key id and a base64-encoded 64-byte key. <see cref="ToString"/> never shows the key.</summary>
internal sealed class EnvelopeKeyOptions
{
    public string? KeyId { get; set; }

    public string? Key { get; set; }

    public override string ToString() => $"EnvelopeKeyOptions {{ KeyId = {KeyId}, Key = [redacted] }}";
}
