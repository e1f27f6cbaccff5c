using Microsoft.IdentityModel.Tokens;

namespace Gateway.Backend.Envelopes;

/// <summary>
/// A symmetric key for the <c>X-Tenant-Context</c> envelope: a key id (the JWE <c>kid</c> header) and exactly
/// 64 bytes of key material (JWE <c>dir</c> + <c>A256CBC-HS512</c>). <see cref="ToString"/> never shows the key.
/// </summary>
public sealed class EnvelopeKey
{
    /// <summary>Required key length in bytes (A256CBC-HS512 uses a 512-bit key: 256 for HMAC, 256 for AES).</summary>
    public const int KeySizeInBytes = 64;

    /// <summary>Longest accepted key id.</summary>
    public const int MaxKeyIdLength = 128;

    private readonly byte[] _key;

    /// <summary>Creates a key; the bytes are copied.</summary>
    /// <exception cref="ArgumentException">The key id is empty, too long or has control characters, or the key is not 64 bytes.</exception>
    public EnvelopeKey(string keyId, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentNullException.ThrowIfNull(key);
        if (keyId.Length == 0 || keyId.Length > MaxKeyIdLength || keyId.Any(char.IsControl) || keyId.Trim().Length != keyId.Length)
        {
            throw new ArgumentException(
                $"An envelope key id must be 1-{MaxKeyIdLength} characters without control characters or surrounding whitespace.",
                nameof(keyId));
        }

        if (key.Length != KeySizeInBytes)
        {
            // The length is not a secret; the bytes are never echoed.
            throw new ArgumentException(
                $"Envelope key '{keyId}' must be exactly {KeySizeInBytes} bytes (A256CBC-HS512); got {key.Length}.",
                nameof(key));
        }

        KeyId = keyId;
        _key = (byte[])key.Clone();
        SecurityKey = new SymmetricSecurityKey(_key) { KeyId = keyId };
    }

    /// <summary>The key id written to and matched against the JWE <c>kid</c> header.</summary>
    public string KeyId { get; }

    /// <summary>The key material (read-only view).</summary>
    public ReadOnlyMemory<byte> Key => _key;

    internal SymmetricSecurityKey SecurityKey { get; }

    /// <summary>Creates a key from its base64 form (standard or URL-safe alphabet).</summary>
    /// <exception cref="ArgumentException">Not base64, or not 64 bytes once decoded.</exception>
    public static EnvelopeKey FromBase64(string keyId, string base64Key)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentException.ThrowIfNullOrWhiteSpace(base64Key);
        byte[] bytes;
        try
        {
            var normalized = base64Key.Trim().Replace('-', '+').Replace('_', '/');
            normalized = normalized.PadRight(normalized.Length + ((4 - (normalized.Length % 4)) % 4), '=');
            bytes = Convert.FromBase64String(normalized);
        }
        catch (FormatException)
        {
            // Never include the value: it is the secret.
            throw new ArgumentException($"Envelope key '{keyId}' is not valid base64.", nameof(base64Key));
        }

        return new EnvelopeKey(keyId, bytes);
    }

    /// <summary>Shows the key id only.</summary>
    public override string ToString() => $"EnvelopeKey {{ KeyId = {KeyId}, Key = [redacted] }}";
}
