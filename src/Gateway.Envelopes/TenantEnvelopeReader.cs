using System.Collections.Frozen;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Envelopes;

/// <summary>
/// Reads and verifies the <c>X-Tenant-Context</c> envelope. Only a compact JWE with <c>alg=dir</c>,
/// <c>enc=A256CBC-HS512</c>, no compression, and a <c>kid</c> in the key ring is decrypted; anything else
/// (an unencrypted or signed JWT, another algorithm, an unknown key) is rejected before any cryptography.
/// The decrypted claims must carry the configured issuer and audience, must not be expired (30 s skew), must have been
/// issued (<c>iat</c>) no later than now + skew and live (<c>exp - iat</c>) no longer than the maximum lifetime, and must
/// hold every envelope field, with plausible credentials (access key id <c>[A-Z0-9]{16,128}</c>; secret and session
/// token visible ASCII, no whitespace or control characters). Instances are thread-safe.
/// </summary>
public sealed class TenantEnvelopeReader
{
    /// <summary>Clock skew tolerated on <c>exp</c> and <c>nbf</c>.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Default longest envelope lifetime (<c>exp - iat</c>): the gateway's default envelope lifetime (5 min) plus
    /// <see cref="ClockSkew"/>.
    /// </summary>
    public static readonly TimeSpan DefaultMaxLifetime = TimeSpan.FromMinutes(5) + ClockSkew;

    /// <summary>Longest envelope accepted, in characters (real STS session tokens make envelopes of 2-3 KB).</summary>
    public const int MaxEnvelopeLength = 16 * 1024;

    private readonly JsonWebTokenHandler _handler = new();
    private readonly FrozenDictionary<string, TokenValidationParameters> _decryptionByKeyId;
    private readonly string _issuer;
    private readonly string _audience;
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxLifetime;

    /// <summary>Creates a reader for a key ring (current and previous keys, matched by <c>kid</c>).</summary>
    /// <param name="keys">The key ring.</param>
    /// <param name="issuer">Expected <c>iss</c> (compared exactly, case-sensitive).</param>
    /// <param name="audience">Expected <c>aud</c> (compared exactly, case-sensitive).</param>
    /// <param name="time">The clock.</param>
    /// <param name="maxLifetime">Longest accepted <c>exp - iat</c>; default <see cref="DefaultMaxLifetime"/>.</param>
    /// <exception cref="ArgumentException">The ring is empty or has duplicate key ids; issuer or audience is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLifetime"/> is not positive.</exception>
    public TenantEnvelopeReader(IReadOnlyList<EnvelopeKey> keys, string issuer, string audience, TimeProvider time, TimeSpan? maxLifetime = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentException.ThrowIfNullOrWhiteSpace(issuer);
        ArgumentException.ThrowIfNullOrWhiteSpace(audience);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxLifetime ?? DefaultMaxLifetime, TimeSpan.Zero, nameof(maxLifetime));
        if (keys.Count == 0)
        {
            throw new ArgumentException("At least one envelope key is required.", nameof(keys));
        }

        var byKeyId = new Dictionary<string, TokenValidationParameters>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(keys));
            if (!byKeyId.TryAdd(key.KeyId, new TokenValidationParameters { TokenDecryptionKey = key.SecurityKey }))
            {
                throw new ArgumentException($"Duplicate envelope key id '{key.KeyId}'.", nameof(keys));
            }
        }

        _decryptionByKeyId = byKeyId.ToFrozenDictionary(StringComparer.Ordinal);
        _issuer = issuer;
        _audience = audience;
        _time = time;
        _maxLifetime = maxLifetime ?? DefaultMaxLifetime;
    }

    /// <summary>Reads <paramref name="token"/> (the header value). Never throws for bad input.</summary>
    public EnvelopeReadResult Read(string? token)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return EnvelopeReadResult.Failure(EnvelopeFailureCodes.Missing, "no envelope");
        }

        if (token.Length > MaxEnvelopeLength)
        {
            return Invalid("envelope too large");
        }

        if (token.AsSpan().Count('.') != 4)
        {
            // A compact JWE has five parts; a JWS/JWT (signed or alg=none) has three.
            return Invalid("not a compact JWE");
        }

        JsonWebToken outer;
        try
        {
            outer = new JsonWebToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException or FormatException)
        {
            return Invalid("malformed envelope");
        }

        if (!outer.IsEncrypted)
        {
            return Invalid("not encrypted");
        }

        if (!string.Equals(outer.Alg, EnvelopeClaimNames.KeyManagementAlgorithm, StringComparison.Ordinal)
            || !string.Equals(outer.Enc, EnvelopeClaimNames.ContentEncryptionAlgorithm, StringComparison.Ordinal))
        {
            return Invalid("unsupported algorithm");
        }

        if (!string.IsNullOrEmpty(outer.Zip))
        {
            return Invalid("compression not allowed");
        }

        if (string.IsNullOrEmpty(outer.Kid) || !_decryptionByKeyId.TryGetValue(outer.Kid, out var decryption))
        {
            return Invalid("unknown key id");
        }

        JsonWebToken claims;
        try
        {
            claims = new JsonWebToken(_handler.DecryptToken(outer, decryption));
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            return Invalid("decryption failed");
        }

        return Validate(claims);
    }

    private EnvelopeReadResult Validate(JsonWebToken claims)
    {
        if (claims.IsEncrypted)
        {
            return Invalid("nested encryption");
        }

        if (!claims.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Iss, out var issuer)
            || !string.Equals(issuer, _issuer, StringComparison.Ordinal))
        {
            return Invalid("wrong issuer");
        }

        if (!claims.Audiences.Contains(_audience, StringComparer.Ordinal))
        {
            return Invalid("wrong audience");
        }

        var now = _time.GetUtcNow();
        if (!claims.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out var exp))
        {
            return Invalid("missing exp");
        }

        if (!IsUnixTime(exp))
        {
            return Invalid("exp out of range");
        }

        if (now > DateTimeOffset.FromUnixTimeSeconds(exp) + ClockSkew)
        {
            return EnvelopeReadResult.Failure(EnvelopeFailureCodes.Expired, "envelope expired");
        }

        if (claims.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Nbf, out var nbf)
            && (!IsUnixTime(nbf) || now + ClockSkew < DateTimeOffset.FromUnixTimeSeconds(nbf)))
        {
            return Invalid("not yet valid");
        }

        // A key that leaked (or a published development key) must not yield an envelope that lasts for years: the
        // lifetime is bounded from a time that cannot lie in the future.
        if (!claims.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out var iat))
        {
            return Invalid("missing iat");
        }

        if (!IsUnixTime(iat) || now + ClockSkew < DateTimeOffset.FromUnixTimeSeconds(iat))
        {
            return Invalid("issued in the future");
        }

        if (exp - iat > (long)_maxLifetime.TotalSeconds)
        {
            return Invalid("lifetime too long");
        }

        if (!claims.TryGetPayloadValue<long>(EnvelopeClaimNames.CredentialExpiration, out var awsExp) || !IsUnixTime(awsExp))
        {
            return Invalid($"missing claim '{EnvelopeClaimNames.CredentialExpiration}'");
        }

        var credentialExpiration = DateTimeOffset.FromUnixTimeSeconds(awsExp);
        if (now >= credentialExpiration)
        {
            // AWS would reject them anyway; say so precisely instead of failing later inside a DynamoDB call.
            return EnvelopeReadResult.Failure(EnvelopeFailureCodes.Expired, "credentials expired");
        }

        if (!TryGet(claims, EnvelopeClaimNames.Organization, out var org, out var missing)
            || !TryGet(claims, EnvelopeClaimNames.Subject, out var sub, out missing)
            || !TryGet(claims, EnvelopeClaimNames.Role, out var role, out missing)
            || !TryGet(claims, EnvelopeClaimNames.RequestId, out var rid, out missing)
            || !TryGet(claims, EnvelopeClaimNames.PermissionSet, out var ps, out missing)
            || !TryGet(claims, EnvelopeClaimNames.AccessKeyId, out var akid, out missing)
            || !TryGet(claims, EnvelopeClaimNames.SecretAccessKey, out var secret, out missing)
            || !TryGet(claims, EnvelopeClaimNames.SessionToken, out var sessionToken, out missing))
        {
            return Invalid($"missing claim '{missing}'");
        }

        // Credentials go into an HTTP header (SigV4): a stray LF or space there fails inside the AWS SDK as an error
        // without a code. Refuse them here; the reason names the claim, never the value.
        if (!IsPlausibleAccessKeyId(akid))
        {
            return Invalid($"implausible claim '{EnvelopeClaimNames.AccessKeyId}'");
        }

        if (!IsVisibleAscii(secret))
        {
            return Invalid($"implausible claim '{EnvelopeClaimNames.SecretAccessKey}'");
        }

        if (!IsVisibleAscii(sessionToken))
        {
            return Invalid($"implausible claim '{EnvelopeClaimNames.SessionToken}'");
        }

        // Absent = 1 (an older gateway, or an unsharded organization); present, it must be a whole power of two in 1…64.
        var shards = 1L;
        if (claims.TryGetClaim(EnvelopeClaimNames.Shards, out var shardsClaim)
            && (!claims.TryGetPayloadValue(EnvelopeClaimNames.Shards, out shards) || !TenantEnvelope.IsValidShardCount(shards)
                || !string.Equals(shardsClaim.ValueType, System.Security.Claims.ClaimValueTypes.Integer, StringComparison.Ordinal)
                   && !string.Equals(shardsClaim.ValueType, System.Security.Claims.ClaimValueTypes.Integer32, StringComparison.Ordinal)
                   && !string.Equals(shardsClaim.ValueType, System.Security.Claims.ClaimValueTypes.Integer64, StringComparison.Ordinal)))
        {
            return Invalid($"implausible claim '{EnvelopeClaimNames.Shards}'");
        }

        var expires = DateTimeOffset.FromUnixTimeSeconds(exp);
        return EnvelopeReadResult.Success(new TenantEnvelope
        {
            OrganizationId = org,
            UserId = sub,
            Role = role,
            RequestId = rid,
            PermissionSet = ps,
            AccessKeyId = akid,
            SecretAccessKey = secret,
            SessionToken = sessionToken,
            CredentialExpiration = credentialExpiration,
            Shards = (int)shards,
        }, expires < credentialExpiration ? expires : credentialExpiration);
    }

    private static bool TryGet(JsonWebToken claims, string name, out string value, out string missing)
    {
        missing = name;
        if (claims.TryGetPayloadValue<string>(name, out var found) && !string.IsNullOrEmpty(found))
        {
            value = found;
            return true;
        }

        value = string.Empty;
        return false;
    }

    /// <summary>An AWS access key id: 16 to 128 characters, <c>A-Z</c> and <c>0-9</c> only (e.g. <c>ASIA…</c>).</summary>
    private static bool IsPlausibleAccessKeyId(string value) =>
        value.Length is >= 16 and <= 128 && value.AsSpan().IndexOfAnyExcept(AccessKeyIdChars) < 0;

    /// <summary>A secret or session token: visible ASCII only (U+0021-U+007E), so no whitespace, control or non-ASCII character.</summary>
    private static bool IsVisibleAscii(string value) => value.AsSpan().IndexOfAnyExceptInRange('!', '~') < 0;

    private static readonly System.Buffers.SearchValues<char> AccessKeyIdChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

    /// <summary>
    /// Within what <see cref="DateTimeOffset.FromUnixTimeSeconds"/> accepts, with a day to spare for the skew arithmetic
    /// (both throw beyond); also keeps <c>exp - iat</c> from overflowing.
    /// </summary>
    private static bool IsUnixTime(long seconds) =>
        seconds >= DateTimeOffset.MinValue.ToUnixTimeSeconds() + 86_400 && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds() - 86_400;

    private static EnvelopeReadResult Invalid(string reason) => EnvelopeReadResult.Failure(EnvelopeFailureCodes.Invalid, reason);
}
