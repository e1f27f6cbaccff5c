using System.Security.Claims;
using Gateway.Authentication;

namespace Gateway.Tests.Authentication;

public sealed class IdentityClaimsTests
{
    private static ClaimsPrincipal Principal(params (string Type, string Value)[] claims)
        => new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "test"));

    [Theory]
    [InlineData("alice\r\naudit decision=allow requestId=x")]
    [InlineData("alice\n")]
    [InlineData("alice\u0085x")]
    [InlineData("alice\u2028x")]
    [InlineData("alice\u2029x")]
    [InlineData("alice\u0000")]
    [InlineData("alice\u001b[31m")]
    [InlineData("")]
    public void TryGetUserId_ForgingOrEmptyValue_False(string sub)
        => Assert.False(IdentityClaims.TryGetUserId(Principal(("sub", sub)), "sub", out _));

    [Theory]
    [InlineData("alice")]
    [InlineData("auth0|5f7c8ec7c33c6c004bbafe82")]
    [InlineData("Zoë 😀 user@example.com")]
    public void TryGetUserId_OrdinaryValue_TrueWithValue(string sub)
    {
        Assert.True(IdentityClaims.TryGetUserId(Principal(("sub", sub)), "sub", out var userId));
        Assert.Equal(sub, userId);
    }

    [Fact]
    public void TryGetUserId_PartitionKeyLimit_2048Utf8BytesAcceptedOneMoreRefused()
    {
        Assert.True(IdentityClaims.TryGetUserId(Principal(("sub", new string('a', 2048))), "sub", out _));
        Assert.False(IdentityClaims.TryGetUserId(Principal(("sub", new string('a', 2049))), "sub", out _));
        Assert.False(IdentityClaims.TryGetUserId(Principal(("sub", new string('a', 3000))), "sub", out _));
        // Counted in UTF-8 bytes, not characters: 1,024 'é' are 2,048 bytes, 1,025 are 2,050.
        Assert.True(IdentityClaims.TryGetUserId(Principal(("sub", new string('é', 1024))), "sub", out _));
        Assert.False(IdentityClaims.TryGetUserId(Principal(("sub", new string('é', 1025))), "sub", out _));
    }

    [Fact]
    public void TryGetUserId_TwoUserIdClaims_FalseOneClaim_True()
    {
        Assert.False(IdentityClaims.TryGetUserId(Principal(("sub", "alice"), ("sub", "bob")), "sub", out _));
        Assert.True(IdentityClaims.TryGetUserId(Principal(("sub", "alice"), ("name", "bob")), "sub", out _));
    }

    [Fact]
    public void TryGetUserId_LoneSurrogate_False() // no UTF-8 form (built in code: xunit would mangle it as theory data)
        => Assert.False(IdentityClaims.TryGetUserId(Principal(("sub", (char)0xD800 + "alice")), "sub", out _));

    [Fact]
    public void TryGetUserId_NoClaim_False() => Assert.False(IdentityClaims.TryGetUserId(Principal(("name", "alice")), "sub", out _));

    [Fact]
    public void OrganizationClaimsValid_ControlCharacterOrOverSortKeyLimit_FalseOrdinaryOrAbsent_True()
    {
        Assert.False(IdentityClaims.OrganizationClaimsValid(Principal(("org_id", "acme\r\nx")), "org_id"));
        Assert.False(IdentityClaims.OrganizationClaimsValid(Principal(("org_id", new string('a', 1025))), "org_id"));
        Assert.True(IdentityClaims.OrganizationClaimsValid(Principal(("org_id", new string('a', 1024))), "org_id"));
        Assert.True(IdentityClaims.OrganizationClaimsValid(Principal(("org_id", "acme")), "org_id"));
        Assert.True(IdentityClaims.OrganizationClaimsValid(Principal(("sub", "alice")), "org_id"));
    }
}
