using System.Security.Claims;
using System.Security.Cryptography;
using Gateway.Authentication;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Authentication;

public sealed class ValidatedTokenCacheTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ValidatedTokenCache _cache;
    private readonly ClaimsPrincipal _alice = new(new ClaimsIdentity([new Claim("sub", "alice")], "Bearer"));
    private static readonly RsaSecurityKey SigningA = new(RSA.Create(2048)) { KeyId = "key-a" };
    private static readonly RsaSecurityKey SigningB = new(RSA.Create(2048)) { KeyId = "key-b" };
    private static readonly string KeyA = ValidatedTokenCache.Identity(SigningA)!;

    public ValidatedTokenCacheTests()
        => _cache = new ValidatedTokenCache(TestOptions.Wrap(new GatewayAuthenticationOptions { ValidatedTokenCacheDuration = TimeSpan.FromMinutes(5) }), _time);

    [Fact]
    public void TryGet_SameTokenBeforeExpiry_Hit()
    {
        _cache.Add("Bearer a.b.c", _alice, _time.GetUtcNow().AddMinutes(30), KeyA);

        Assert.True(_cache.TryGet("Bearer a.b.c", out var principal));
        Assert.Same(_alice, principal);
    }

    [Fact]
    public void TryGet_TokenDifferingInOneCharacter_Miss()
    {
        _cache.Add("Bearer a.b.c", _alice, _time.GetUtcNow().AddMinutes(30), KeyA);

        Assert.False(_cache.TryGet("Bearer a.b.d", out _));
    }

    [Fact]
    public void TryGet_AtTokenExpiry_Miss()
    {
        _cache.Add("Bearer a.b.c", _alice, _time.GetUtcNow().AddMinutes(2), KeyA);
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.False(_cache.TryGet("Bearer a.b.c", out _));
    }

    [Fact]
    public void TryGet_AfterMaxDuration_MissEvenIfTokenStillValid()
    {
        _cache.Add("Bearer a.b.c", _alice, _time.GetUtcNow().AddHours(1), KeyA);
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.False(_cache.TryGet("Bearer a.b.c", out _));
    }

    [Fact]
    public void Add_AlreadyExpiredToken_NotCached()
    {
        _cache.Add("Bearer a.b.c", _alice, _time.GetUtcNow().AddSeconds(-1), KeyA);

        Assert.False(_cache.TryGet("Bearer a.b.c", out _));
    }

    [Fact]
    public void TryGet_SigningKeyWithdrawnFromTheKeySet_EntryDropped()
    {
        _cache.UpdateSigningKeys([SigningA]);
        _cache.Add("Bearer a.b.c", _alice, _time.GetUtcNow().AddMinutes(30), KeyA);
        Assert.True(_cache.TryGet("Bearer a.b.c", out _));

        Assert.Equal(1, _cache.UpdateSigningKeys([SigningB]));

        Assert.False(_cache.TryGet("Bearer a.b.c", out _));
    }

    [Fact]
    public void TryGet_KeyStillListedAfterRotation_EntryKept()
    {
        // The twin: a rotation that keeps the old key in the JWKS keeps its tokens cached.
        _cache.UpdateSigningKeys([SigningA]);
        _cache.Add("Bearer a.b.c", _alice, _time.GetUtcNow().AddMinutes(30), KeyA);

        Assert.Equal(0, _cache.UpdateSigningKeys([SigningB, SigningA]));

        Assert.True(_cache.TryGet("Bearer a.b.c", out _));
    }

    [Fact]
    public void TryGet_SameKidOtherKeyMaterial_EntryDropped()
    {
        _cache.UpdateSigningKeys([SigningA]);
        _cache.Add("Bearer a.b.c", _alice, _time.GetUtcNow().AddMinutes(30), KeyA);

        _cache.UpdateSigningKeys([new RsaSecurityKey(RSA.Create(2048)) { KeyId = "key-a" }]);

        Assert.False(_cache.TryGet("Bearer a.b.c", out _));
    }

    [Fact]
    public void Add_KeyNotInThePublishedKeySet_NotRemembered()
    {
        // Validated against a key set the refresher has since replaced: not cached.
        _cache.UpdateSigningKeys([SigningB]);

        _cache.Add("Bearer a.b.c", _alice, _time.GetUtcNow().AddMinutes(30), KeyA);

        Assert.False(_cache.TryGet("Bearer a.b.c", out _));
    }

    [Fact]
    public void Add_WithoutTheSigningKey_NotRemembered()
    {
        _cache.Add("Bearer a.b.c", _alice, _time.GetUtcNow().AddMinutes(30), signingKey: null);

        Assert.False(_cache.TryGet("Bearer a.b.c", out _));
    }

    public void Dispose() => _cache.Dispose();
}
