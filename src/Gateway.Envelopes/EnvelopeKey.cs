using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Envelopes;

/// <summary>
/// A symmetric key for the <c>X-Tenant-Context</c> envelope: a key id (the JWE <c>kid</c> header) and exactly
/// 64 bytes of key material (JWE <c>dir</c> + <c>A256CBC-HS512</c>). <see cref="ToString"/> never shows the key.
/// The one parser of configured keys for the gateway and for backends: both validate with <see cref="IsValidKeyId"/>
/// and <see cref="TryDecodeBase64"/> and build keys with <see cref="FromBase64"/>, so a key one side accepts the other
/// accepts too.
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
        if (!IsValidKeyId(keyId))
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

    /// <summary>Creates a key from its base64 form (see <see cref="TryDecodeBase64"/> for the accepted forms).</summary>
    /// <exception cref="ArgumentException">Not base64, or not 64 bytes once decoded, or an invalid key id.</exception>
    public static EnvelopeKey FromBase64(string keyId, string base64Key)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentException.ThrowIfNullOrWhiteSpace(base64Key);
        if (!TryDecodeBase64(base64Key, out var bytes))
        {
            // Never include the value: it is the secret.
            throw new ArgumentException($"Envelope key '{keyId}' is not valid base64.", nameof(base64Key));
        }

        return new EnvelopeKey(keyId, bytes);
    }

    /// <summary>
    /// True for a usable key id: 1-<see cref="MaxKeyIdLength"/> characters, no control characters, no surrounding whitespace.
    /// </summary>
    public static bool IsValidKeyId([NotNullWhen(true)] string? keyId) =>
        !string.IsNullOrEmpty(keyId)
        && keyId.Length <= MaxKeyIdLength
        && !keyId.Any(char.IsControl)
        && !char.IsWhiteSpace(keyId[0])
        && !char.IsWhiteSpace(keyId[^1]);

    /// <summary>
    /// Decodes configured key material, the one base64 rule for envelope keys on both sides: the standard alphabet
    /// (<c>+</c> <c>/</c>) or the URL-safe one (<c>-</c> <c>_</c>), padding optional, whitespace anywhere ignored (so
    /// the wrapped output of <c>openssl rand -base64 64</c> pastes as is). Does not check the length; never throws.
    /// </summary>
    public static bool TryDecodeBase64(string? base64Key, [NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        if (string.IsNullOrWhiteSpace(base64Key))
        {
            return false;
        }

        var normalized = new StringBuilder(base64Key.Length + 3);
        foreach (var c in base64Key)
        {
            if (!char.IsWhiteSpace(c))
            {
                normalized.Append(c switch { '-' => '+', '_' => '/', _ => c });
            }
        }

        if (normalized.Length % 4 == 1)
        {
            return false;
        }

        normalized.Append('=', (4 - (normalized.Length % 4)) % 4);
        var buffer = new byte[normalized.Length / 4 * 3];
        if (!Convert.TryFromBase64Chars(normalized.ToString(), buffer, out var written))
        {
            return false;
        }

        bytes = buffer.AsSpan(0, written).ToArray();
        CryptographicOperations.ZeroMemory(buffer);
        return true;
    }

    /// <summary>Shows the key id only.</summary>
    public override string ToString() => $"EnvelopeKey {{ KeyId = {KeyId}, Key = [redacted] }}";
}
