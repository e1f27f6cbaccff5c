using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// One set of organization-scoped STS credentials (for one cache key). <see cref="ToString"/> never shows secrets.
/// The secret access key and the session token are held once, as UTF-8 in one private buffer (a cached set costs about
/// one byte per character of its session token instead of two); <see cref="SecretAccessKey"/> and <see cref="SessionToken"/>
/// decode a new string on each read — only the cold path (writing an envelope, the shared cache tier) reads them.
/// Once an envelope that carries them is cached, the set can drop its own copy (<see cref="HoldSealed"/>): the secrets are
/// then held once, sealed in that envelope, and a read unseals them (decrypts) and checks them against the digest taken
/// when the set was created.
/// </summary>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class ScopedCredentials
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The secret access key's UTF-8 bytes followed by the session token's (a <see cref="byte"/> array), or, once handed
    /// over, the <see cref="ISealedSecrets"/> that holds them. Never exposed.
    /// </summary>
    [DebuggerBrowsable(DebuggerBrowsableState.Never)]
    private object _secrets;

    [DebuggerBrowsable(DebuggerBrowsableState.Never)]
    private readonly int _secretLength;

    /// <summary>SHA-256 of the UTF-8 secret and token: compares sets and checks unsealed secrets without holding them.</summary>
    [DebuggerBrowsable(DebuggerBrowsableState.Never)]
    private readonly SecretsDigest _digest;

    /// <exception cref="ArgumentException">The secret or the session token is not well-formed UTF-16 (it could not be held exactly).</exception>
    public ScopedCredentials(string accessKeyId, string secretAccessKey, string sessionToken, DateTimeOffset expiration, string sessionName)
    {
        ArgumentNullException.ThrowIfNull(secretAccessKey);
        ArgumentNullException.ThrowIfNull(sessionToken);
        AccessKeyId = accessKeyId;
        try
        {
            _secretLength = Utf8.GetByteCount(secretAccessKey);
            var secrets = new byte[_secretLength + Utf8.GetByteCount(sessionToken)];
            Utf8.GetBytes(secretAccessKey, secrets);
            Utf8.GetBytes(sessionToken, secrets.AsSpan(_secretLength));
            SHA256.HashData(secrets, _digest);
            _secrets = secrets;
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException("The secret access key and the session token must be well-formed text.", nameof(sessionToken));
        }

        Expiration = expiration;
        SessionName = sessionName;
    }

    public string AccessKeyId { get; }

    /// <summary>The secret access key (a new string per read; unsealed once the set holds it sealed).</summary>
    public string SecretAccessKey
    {
        get
        {
            ReadSecrets(out var secretAccessKey, out _);
            return secretAccessKey;
        }
    }

    /// <summary>The session token (a new string per read; unsealed once the set holds it sealed).</summary>
    public string SessionToken
    {
        get
        {
            ReadSecrets(out _, out var sessionToken);
            return sessionToken;
        }
    }

    /// <summary>True while the set holds its own copy of the secrets (false once <see cref="HoldSealed"/> took it).</summary>
    internal bool HoldsOwnCopy => Volatile.Read(ref _secrets) is byte[];

    /// <summary>
    /// The secret access key and the session token (one unsealing when the set holds them sealed).
    /// </summary>
    /// <exception cref="InvalidOperationException">The sealed secrets could not be read back, or they are not this set's
    /// (fail closed: nothing is written with them).</exception>
    public void ReadSecrets(out string secretAccessKey, out string sessionToken)
    {
        var held = Volatile.Read(ref _secrets);
        if (held is byte[] bytes)
        {
            secretAccessKey = Utf8.GetString(bytes, 0, _secretLength);
            sessionToken = Utf8.GetString(bytes, _secretLength, bytes.Length - _secretLength);
            return;
        }

        if (!TryUnseal((ISealedSecrets)held, out secretAccessKey, out sessionToken))
        {
            throw new InvalidOperationException($"The sealed secrets of credential set {AccessKeyId} could not be read back.");
        }
    }

    /// <summary>
    /// Drops this set's own copy of the secrets once <paramref name="holder"/> gives back the very same ones (read back and
    /// checked against the set's digest now); from then on the secrets are held once, by <paramref name="holder"/>. A later
    /// holder replaces an earlier one (so a replaced envelope is not kept alive). False, and nothing changes, when
    /// <paramref name="holder"/> cannot give them back or gives back others.
    /// </summary>
    public bool HoldSealed(ISealedSecrets holder)
    {
        ArgumentNullException.ThrowIfNull(holder);
        if (!TryUnseal(holder, out _, out _))
        {
            return false;
        }

        Volatile.Write(ref _secrets, holder);
        return true;
    }

    private bool TryUnseal(ISealedSecrets holder, out string secretAccessKey, out string sessionToken)
    {
        secretAccessKey = sessionToken = string.Empty;
        string secret, token;
        try
        {
            (secret, token) = holder.Unseal();
        }
#pragma warning disable CA1031 // whatever the holder throws, the secrets are unavailable: the caller fails closed
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }

        int secretLength, length;
        try
        {
            secretLength = Utf8.GetByteCount(secret);
            length = secretLength + Utf8.GetByteCount(token);
        }
        catch (EncoderFallbackException)
        {
            return false;
        }

        if (secretLength != _secretLength)
        {
            return false;
        }

        var bytes = new byte[length];
        Utf8.GetBytes(secret, bytes);
        Utf8.GetBytes(token, bytes.AsSpan(secretLength));
        SecretsDigest digest = default;
        SHA256.HashData(bytes, digest);
        if (!CryptographicOperations.FixedTimeEquals(digest, _digest))
        {
            return false;
        }

        secretAccessKey = secret;
        sessionToken = token;
        return true;
    }

    public DateTimeOffset Expiration { get; }

    /// <summary>STS RoleSessionName (appears in CloudTrail and in audit events).</summary>
    public string SessionName { get; }

    /// <summary>
    /// When the gateway asked STS for this set (taken before the call, so never later than STS's issue time but for clock
    /// skew); null: unknown (an L2 entry written by an older gateway). A revocation's cut-off is compared with it.
    /// </summary>
    public DateTimeOffset? RequestedAt { get; init; }

    /// <summary>True when <paramref name="other"/> carries the same secret access key and session token (their digests: nothing decoded or unsealed).</summary>
    public bool HasSameSecrets(ScopedCredentials other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ReferenceEquals(other, this)
               || (other._secretLength == _secretLength && ((ReadOnlySpan<byte>)other._digest).SequenceEqual(_digest));
    }

    /// <summary>STS's <c>PackedPolicySize</c> for this set (percent of the packed limit the session policy and tags used),
    /// when STS returned one; never cached or shared (<c>verify</c> reports it).</summary>
    public int? PackedPolicySize { get; init; }

    public override string ToString() => $"ScopedCredentials {{ AccessKeyId = {AccessKeyId}, SessionName = {SessionName}, Expiration = {Expiration:O}, SecretAccessKey = [redacted], SessionToken = [redacted] }}";

    /// <summary>A SHA-256 digest held inline (no array per set).</summary>
    [InlineArray(32)]
    private struct SecretsDigest
    {
        private byte _element0;
    }
}

/// <summary>
/// Holds a credential set's secret access key and session token sealed (the cached envelope that carries them) and gives
/// them back on request — the cold path only (writing another envelope).
/// </summary>
public interface ISealedSecrets
{
    /// <summary>The secret access key and the session token; throws when they cannot be read back.</summary>
    (string SecretAccessKey, string SessionToken) Unseal();
}
