using System.Security.Claims;
using Gateway.Authentication;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Authentication;

public sealed class ValidatedTokenCacheTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ValidatedTokenCache _cache;
    private readonly ClaimsPrincipal _alice = new(new ClaimsIdentity([new Claim("sub", "alice")], "Bearer"));

    public ValidatedTokenCacheTests()
        => _cache = new ValidatedTokenCache(TestOptions.Wrap(new GatewayAuthenticationOptions { ValidatedTokenCacheDuration = TimeSpan.FromMinutes(5) }), _time);

    [Fact]
    public void TryGet_SameTokenBeforeExpiry_Hit()
    {
        _cache.Add("Bearer a.b.c", _alice, _time.GetUtcNow().AddMinutes(30));

        Assert.True(_cache.TryGet("Bearer a.b.c", out var principal));
        Assert.Same(_alice, principal);
    }

    [Fact]
    public void TryGet_TokenDifferingInOneCharacter_Miss()
    {
        _cache.Add("Bearer a.b.c", _alice, _time.GetUtcNow().AddMinutes(30));

        Assert.False(_cache.TryGet("Bearer a.b.d", out _));
    }

    [Fact]
    public void TryGet_AtTokenExpiry_Miss()
    {
        _cache.Add("Bearer a.b.c", _alice, _time.GetUtcNow().AddMinutes(2));
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.False(_cache.TryGet("Bearer a.b.c", out _));
    }

    [Fact]
    public void TryGet_AfterMaxDuration_MissEvenIfTokenStillValid()
    {
        _cache.Add("Bearer a.b.c", _alice, _time.GetUtcNow().AddHours(1));
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.False(_cache.TryGet("Bearer a.b.c", out _));
    }

    [Fact]
    public void Add_AlreadyExpiredToken_NotCached()
    {
        _cache.Add("Bearer a.b.c", _alice, _time.GetUtcNow().AddSeconds(-1));

        Assert.False(_cache.TryGet("Bearer a.b.c", out _));
    }

    public void Dispose() => _cache.Dispose();
}
