namespace Gateway.Configuration;

/// <summary>
/// One envelope key of a cluster (<c>TenantIsolation:Envelopes:{cluster}:Current</c> / <c>:Previous</c>): a key id and
/// either the key itself (<see cref="Key"/>, e.g. from an environment variable) or the name of an SSM Parameter Store
/// SecureString holding it (<see cref="Parameter"/>), read once at start-up with the gateway's own AWS identity
/// (<see cref="EnvelopeKeyParameterResolver"/>). <see cref="ToString"/> never shows the key.
/// </summary>
internal sealed class GatewayEnvelopeKeyOptions
{
    /// <summary>Key id, written as the envelope's <c>kid</c> header; backends match it against their <c>TenantContext:Keys</c>.</summary>
    public string KeyId { get; set; } = string.Empty;

    /// <summary>Base64 (standard or URL-safe, padding optional) of exactly 64 bytes. Secret. When set, it takes precedence over <see cref="Parameter"/> (which is then not read).</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary>
    /// Name of an SSM SecureString parameter whose value is <see cref="Key"/> (e.g. <c>/tenant-gateway/applications/current</c>).
    /// Read at start-up with GetParameters (WithDecryption); a missing or unreadable parameter stops the gateway.
    /// </summary>
    public string? Parameter { get; set; }

    /// <summary>True when <see cref="Key"/> was read from <see cref="Parameter"/> rather than configured. Not bound from configuration.</summary>
    internal bool KeyFromParameter { get; set; }

    /// <summary>Shows the key id and parameter name only.</summary>
    public override string ToString() => $"GatewayEnvelopeKeyOptions {{ KeyId = {KeyId}, Parameter = {Parameter}, Key = [redacted] }}";
}
