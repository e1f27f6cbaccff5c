using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Envelopes;

/// <summary>
/// Writes the <c>X-Tenant-Context</c> envelope: a compact JWE (<c>alg=dir</c>, <c>enc=A256CBC-HS512</c>, header
/// <c>kid</c>) whose plaintext is the JWT claim set. The gateway uses one writer per envelope key (per cluster);
/// instances are thread-safe.
/// </summary>
public sealed class TenantEnvelopeWriter
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly EncryptingCredentials _encryptingCredentials;
    private readonly TokenValidationParameters _decryption;
    private readonly string _issuer;
    private readonly TimeProvider _time;

    /// <summary>Creates a writer that encrypts under <paramref name="key"/> and stamps <paramref name="issuer"/>.</summary>
    public TenantEnvelopeWriter(EnvelopeKey key, string issuer, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(issuer);
        ArgumentNullException.ThrowIfNull(time);
        _encryptingCredentials = new EncryptingCredentials(
            key.SecurityKey, EnvelopeClaimNames.KeyManagementAlgorithm, EnvelopeClaimNames.ContentEncryptionAlgorithm);
        _decryption = new TokenValidationParameters { TokenDecryptionKey = key.SecurityKey };
        KeyId = key.KeyId;
        _issuer = issuer;
        _time = time;
    }

    /// <summary>The key id this writer stamps into the <c>kid</c> header.</summary>
    public string KeyId { get; }

    /// <summary>
    /// Writes an envelope for <paramref name="audience"/> (the YARP cluster id). Its <c>exp</c> is
    /// min(now + <paramref name="lifetime"/>, <see cref="TenantEnvelope.CredentialExpiration"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A required field is empty, the lifetime is not positive, or the
    /// credentials expire within a second (never forward credentials that are already dead).</exception>
    public string Write(TenantEnvelope envelope, string audience, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentException.ThrowIfNullOrWhiteSpace(audience);
        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), "The envelope lifetime must be positive.");
        }

        RequireValue(envelope.OrganizationId, nameof(envelope.OrganizationId));
        RequireValue(envelope.UserId, nameof(envelope.UserId));
        RequireValue(envelope.Role, nameof(envelope.Role));
        RequireValue(envelope.RequestId, nameof(envelope.RequestId));
        RequireValue(envelope.PermissionSet, nameof(envelope.PermissionSet));
        RequireValue(envelope.AccessKeyId, nameof(envelope.AccessKeyId));
        RequireValue(envelope.SecretAccessKey, nameof(envelope.SecretAccessKey));
        RequireValue(envelope.SessionToken, nameof(envelope.SessionToken));
        if (!TenantEnvelope.IsValidShardCount(envelope.Shards))
        {
            throw new ArgumentException("TenantEnvelope.Shards must be a power of two from 1 to 64.", nameof(envelope));
        }

        // JWT times are whole seconds: truncate now, and floor the expiry so exp never outlives the credentials.
        var now = DateTimeOffset.FromUnixTimeSeconds(_time.GetUtcNow().ToUnixTimeSeconds());
        var credentialExpiry = DateTimeOffset.FromUnixTimeSeconds(envelope.CredentialExpiration.ToUnixTimeSeconds());
        var expires = now + lifetime < credentialExpiry ? now + lifetime : credentialExpiry;
        expires = DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds());
        if (expires <= now)
        {
            throw new ArgumentException(
                "The envelope's credentials are expired or expire within a second; refusing to write it.", nameof(envelope));
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = _issuer,
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            EncryptingCredentials = _encryptingCredentials,
            Claims = new Dictionary<string, object>(10, StringComparer.Ordinal)
            {
                [EnvelopeClaimNames.Organization] = envelope.OrganizationId,
                [EnvelopeClaimNames.Subject] = envelope.UserId,
                [EnvelopeClaimNames.Role] = envelope.Role,
                [EnvelopeClaimNames.RequestId] = envelope.RequestId,
                [EnvelopeClaimNames.PermissionSet] = envelope.PermissionSet,
                [EnvelopeClaimNames.AccessKeyId] = envelope.AccessKeyId,
                [EnvelopeClaimNames.SecretAccessKey] = envelope.SecretAccessKey,
                [EnvelopeClaimNames.SessionToken] = envelope.SessionToken,
                [EnvelopeClaimNames.CredentialExpiration] = credentialExpiry.ToUnixTimeSeconds(),
            },
        };
        if (envelope.Shards > 1)
        {
            // Absent means 1: an unsharded organization's envelope is exactly what it was before shards existed.
            descriptor.Claims[EnvelopeClaimNames.Shards] = envelope.Shards;
        }

        return _handler.CreateToken(descriptor);
    }

    /// <summary>
    /// Reads the STS secret access key and session token back from an envelope this writer wrote (decrypted with its key;
    /// no lifetime or audience check: the gateway reads back credentials it holds only sealed, also after the envelope's
    /// own expiry). The cold path only.
    /// </summary>
    /// <exception cref="SecurityTokenException">Not an envelope of this writer's key, or without both values.</exception>
    public (string SecretAccessKey, string SessionToken) ReadCredentials(string envelope)
    {
        ArgumentException.ThrowIfNullOrEmpty(envelope);
        var outer = new JsonWebToken(envelope);
        if (!outer.IsEncrypted || !string.Equals(outer.Kid, KeyId, StringComparison.Ordinal))
        {
            throw new SecurityTokenException("Not an envelope of this writer's key.");
        }

        var claims = new JsonWebToken(_handler.DecryptToken(outer, _decryption));
        if (!claims.TryGetPayloadValue<string>(EnvelopeClaimNames.SecretAccessKey, out var secretAccessKey) || string.IsNullOrEmpty(secretAccessKey)
            || !claims.TryGetPayloadValue<string>(EnvelopeClaimNames.SessionToken, out var sessionToken) || string.IsNullOrEmpty(sessionToken))
        {
            throw new SecurityTokenException("The envelope carries no credentials.");
        }

        return (secretAccessKey, sessionToken);
    }

    private static void RequireValue(string? value, string name)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException($"TenantEnvelope.{name} is required.", name);
        }
    }
}
