using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

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

        return entry;
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

        // One success result per token, as JwtBearer would build it for each request (scheme Bearer, no properties).
        var result = AuthenticateResult.Success(new AuthenticationTicket(principal, JwtBearerDefaults.AuthenticationScheme));
        _cache.Set(token, new Entry(principal, result, until), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = until - now });
    }

    public void Dispose() => _cache?.Dispose();

    private sealed record Entry(ClaimsPrincipal Principal, AuthenticateResult Result, DateTimeOffset ValidUntil);
}
