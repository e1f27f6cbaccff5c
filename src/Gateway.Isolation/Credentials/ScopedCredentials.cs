using System.Diagnostics;
using System.Text;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// One set of organization-scoped STS credentials (for one cache key). <see cref="ToString"/> never shows secrets.
/// The secret access key and the session token are held once, as UTF-8 in one private buffer (a cached set costs about
/// one byte per character of its session token instead of two); <see cref="SecretAccessKey"/> and <see cref="SessionToken"/>
/// decode a new string on each read — only the cold path (writing an envelope, the shared cache tier) reads them.
/// </summary>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class ScopedCredentials
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The secret access key's UTF-8 bytes followed by the session token's. Never exposed.</summary>
    [DebuggerBrowsable(DebuggerBrowsableState.Never)]
    private readonly byte[] _secrets;

    [DebuggerBrowsable(DebuggerBrowsableState.Never)]
    private readonly int _secretLength;

    /// <exception cref="ArgumentException">The secret or the session token is not well-formed UTF-16 (it could not be held exactly).</exception>
    public ScopedCredentials(string accessKeyId, string secretAccessKey, string sessionToken, DateTimeOffset expiration, string sessionName)
    {
        ArgumentNullException.ThrowIfNull(secretAccessKey);
        ArgumentNullException.ThrowIfNull(sessionToken);
        AccessKeyId = accessKeyId;
        try
        {
            _secretLength = Utf8.GetByteCount(secretAccessKey);
            _secrets = new byte[_secretLength + Utf8.GetByteCount(sessionToken)];
            Utf8.GetBytes(secretAccessKey, _secrets);
            Utf8.GetBytes(sessionToken, _secrets.AsSpan(_secretLength));
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException("The secret access key and the session token must be well-formed text.", nameof(sessionToken));
        }

        Expiration = expiration;
        SessionName = sessionName;
    }

    public string AccessKeyId { get; }

    /// <summary>The secret access key (a new string per read).</summary>
    public string SecretAccessKey => Utf8.GetString(_secrets, 0, _secretLength);

    /// <summary>The session token (a new string per read).</summary>
    public string SessionToken => Utf8.GetString(_secrets, _secretLength, _secrets.Length - _secretLength);

    public DateTimeOffset Expiration { get; }

    /// <summary>STS RoleSessionName (appears in CloudTrail and in audit events).</summary>
    public string SessionName { get; }

    /// <summary>
    /// When the gateway asked STS for this set (taken before the call, so never later than STS's issue time but for clock
    /// skew); null: unknown (an L2 entry written by an older gateway). A revocation's cut-off is compared with it.
    /// </summary>
    public DateTimeOffset? RequestedAt { get; init; }

    /// <summary>True when <paramref name="other"/> carries the same secret access key and session token (no strings decoded).</summary>
    public bool HasSameSecrets(ScopedCredentials other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ReferenceEquals(other, this)
               || (other._secretLength == _secretLength && other._secrets.AsSpan().SequenceEqual(_secrets));
    }

    /// <summary>STS's <c>PackedPolicySize</c> for this set (percent of the packed limit the session policy and tags used),
    /// when STS returned one; never cached or shared (<c>verify</c> reports it).</summary>
    public int? PackedPolicySize { get; init; }

    public override string ToString() => $"ScopedCredentials {{ AccessKeyId = {AccessKeyId}, SessionName = {SessionName}, Expiration = {Expiration:O}, SecretAccessKey = [redacted], SessionToken = [redacted] }}";
}
