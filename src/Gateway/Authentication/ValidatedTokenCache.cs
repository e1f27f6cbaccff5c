using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Authentication;

/// <summary>
/// Remembers bearer tokens that passed full validation (signature, issuer, audience, lifetime, sub) so the hot path does
/// not verify the same RSA/ECDSA signature on every request. The key is the exact token string, so a token that differs
/// in one character is validated from scratch; an entry lives until the token's own <c>exp</c> (no clock skew) or
/// <see cref="GatewayAuthenticationOptions.ValidatedTokenCacheDuration"/>, whichever is first. Failures are never cached.
/// An entry never outlives the signing key it was verified with: each entry names its key (key id + JWK thumbprint),
/// and once <see cref="SigningKeyRefresher"/> publishes a key set (<see cref="UpdateSigningKeys"/>) that no longer lists
/// it, the entry is dropped and the token is validated from scratch (and refused, as its key is gone).
/// </summary>
internal sealed class ValidatedTokenCache : IDisposable
{
    private readonly MemoryCache? _cache;
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxDuration;

    /// <summary>The authority's signing keys as last published; null until the first refresh.</summary>
    private SigningKeySet? _keys;

    public ValidatedTokenCache(IOptions<GatewayAuthenticationOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _maxDuration = options.Value.ValidatedTokenCacheDuration;
        var size = options.Value.ValidatedTokenCacheSize;
        if (size > 0 && _maxDuration > TimeSpan.Zero)
        {
            _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = size, CompactionPercentage = 0.2 });
        }
    }

    /// <summary>
    /// The whole <c>Authorization</c> value when it is exactly one value starting with <c>Bearer </c> (any case) and
    /// carrying more than that; else null. The cache's key is this exact string.
    /// </summary>
    public static string? BearerValue(StringValues authorization)
        => authorization.Count == 1 && authorization[0] is { Length: > 7 } value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value : null;

    public bool TryGet(string token, out ClaimsPrincipal? principal)
    {
        principal = TryGetEntry(token)?.Principal;
        return principal is not null;
    }

    /// <summary>The JwtBearer success result for a cached <c>Authorization</c> value (see <see cref="BearerValue"/>).</summary>
    public bool TryGetResult(StringValues authorization, [NotNullWhen(true)] out AuthenticateResult? result)
    {
        result = BearerValue(authorization) is { } token ? TryGetEntry(token)?.Result : null;
        return result is not null;
    }

    private Entry? TryGetEntry(string token)
    {
        if (_cache is null || !_cache.TryGetValue(token, out Entry? entry) || entry is null)
        {
            return null;
        }

        if (_time.GetUtcNow() >= entry.ValidUntil)
        {
            _cache.Remove(token);
            return null;
        }

        var keys = Volatile.Read(ref _keys);
        if (!ReferenceEquals(entry.Keys, keys))
        {
            // The key set changed since the entry was last checked: it stays only while its key is still listed.
            if (keys is null || !keys.Contains(entry.SigningKey))
            {
                _cache.Remove(token);
                return null;
            }

            entry.Keys = keys;
        }

        return entry;
    }

    /// <summary>
    /// The identity of a signing key as the cache compares it: key id and RFC 7638 thumbprint (a key re-published under
    /// the same kid with other material is another key). Null when the key is unknown.
    /// </summary>
    public static string? Identity(SecurityKey? key)
    {
        if (key is null)
        {
            return null;
        }

        return key.CanComputeJwkThumbprint()
            ? $"{key.KeyId}:{Base64UrlEncoder.Encode(key.ComputeJwkThumbprint())}"
            : null;
    }

    /// <summary>
    /// Publishes the authority's current signing keys: cached tokens verified with a key not among them are dropped now
    /// (and on their next lookup, for one added concurrently). Returns how many entries were dropped.
    /// </summary>
    public int UpdateSigningKeys(IEnumerable<SecurityKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var set = new SigningKeySet(keys.Select(Identity).OfType<string>());
        var previous = Volatile.Read(ref _keys);
        if (previous is not null && previous.SetEquals(set))
        {
            return 0; // unchanged: entries keep their reference check cheap
        }

        Volatile.Write(ref _keys, set);
        if (_cache is null)
        {
            return 0;
        }

        var dropped = 0;
        foreach (var token in _cache.Keys)
        {
            if (_cache.TryGetValue(token, out Entry? entry) && entry is not null && !set.Contains(entry.SigningKey))
            {
                _cache.Remove(token);
                dropped++;
            }
        }

        return dropped;
    }

    /// <summary>
    /// Whether <paramref name="signingKey"/> (<see cref="Identity"/>) is in the key set last published by
    /// <see cref="SigningKeyRefresher"/>; true before the first publication (validation alone decides then).
    /// </summary>
    public bool IsPublished(string? signingKey)
    {
        var keys = Volatile.Read(ref _keys);
        return keys is null || (signingKey is not null && keys.Contains(signingKey));
    }

    /// <param name="signingKey">The key the token was verified with (<see cref="Identity"/>); without it, or when the
    /// published key set does not list it, the token is not remembered.</param>
    public void Add(string token, ClaimsPrincipal principal, DateTimeOffset tokenExpires, string? signingKey)
    {
        var keys = Volatile.Read(ref _keys);
        if (_cache is null || signingKey is null || (keys is not null && !keys.Contains(signingKey)))
        {
            return;
        }

        var now = _time.GetUtcNow();
        var until = tokenExpires < now + _maxDuration ? tokenExpires : now + _maxDuration;
        if (until <= now)
        {
            return;
        }

        // One success result per token, as JwtBearer would build it for each request (scheme Bearer, no properties).
        var result = AuthenticateResult.Success(new AuthenticationTicket(principal, JwtBearerDefaults.AuthenticationScheme));
        _cache.Set(token, new Entry(principal, result, until, signingKey, keys), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = until - now });

        // The key set may have been replaced between the check above and the Set, after its sweep passed this token.
        var after = Volatile.Read(ref _keys);
        if (!ReferenceEquals(after, keys) && after is not null && !after.Contains(signingKey))
        {
            _cache.Remove(token);
        }
    }

    public void Dispose() => _cache?.Dispose();

    private sealed class Entry(ClaimsPrincipal principal, AuthenticateResult result, DateTimeOffset validUntil, string signingKey, SigningKeySet? keys)
    {
        public ClaimsPrincipal Principal { get; } = principal;

        public AuthenticateResult Result { get; } = result;

        public DateTimeOffset ValidUntil { get; } = validUntil;

        public string SigningKey { get; } = signingKey;

        /// <summary>The key set this entry was last found in (a reference compare on the hot path).</summary>
        public SigningKeySet? Keys { get => Volatile.Read(ref _keys); set => Volatile.Write(ref _keys, value); }

        private SigningKeySet? _keys = keys;
    }

    private sealed class SigningKeySet(IEnumerable<string> identities) : HashSet<string>(identities, StringComparer.Ordinal);
}
