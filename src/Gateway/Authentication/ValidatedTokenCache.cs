using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Gateway.Authentication;

/// <summary>
/// Remembers bearer tokens that passed full validation (signature, issuer, audience, lifetime, sub) so the hot path does
/// not verify the same RSA/ECDSA signature on every request. The key is the exact token string, so a token that differs
/// in one character is validated from scratch; an entry lives until the token's own <c>exp</c> (no clock skew) or
/// <see cref="GatewayAuthenticationOptions.ValidatedTokenCacheDuration"/>, whichever is first. Failures are never cached.
/// </summary>
internal sealed class ValidatedTokenCache : IDisposable
{
    private readonly MemoryCache? _cache;
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxDuration;

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

    public bool TryGet(string token, out ClaimsPrincipal? principal)
    {
        principal = null;
        if (_cache is null || !_cache.TryGetValue(token, out Entry? entry) || entry is null)
        {
            return false;
        }

        if (_time.GetUtcNow() >= entry.ValidUntil)
        {
            _cache.Remove(token);
            return false;
        }

        principal = entry.Principal;
        return true;
    }

    public void Add(string token, ClaimsPrincipal principal, DateTimeOffset tokenExpires)
    {
        if (_cache is null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var until = tokenExpires < now + _maxDuration ? tokenExpires : now + _maxDuration;
        if (until <= now)
        {
            return;
        }

        _cache.Set(token, new Entry(principal, until), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = until - now });
    }

    public void Dispose() => _cache?.Dispose();

    private sealed record Entry(ClaimsPrincipal Principal, DateTimeOffset ValidUntil);
}
