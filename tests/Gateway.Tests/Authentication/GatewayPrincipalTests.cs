using System.Security.Claims;
using Gateway.Authentication;
using Gateway.Problems;
using Gateway.Tenancy;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Primitives;

namespace Gateway.Tests.Authentication;

public sealed class GatewayPrincipalTests
{
    private static ClaimsPrincipal Validated(string authenticationType = "AuthenticationTypes.Federation", params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), authenticationType));

    [Fact]
    public void From_ValidUserId_CapturesUserIdAndNonEmptyOrganizationsInOrder()
    {
        var principal = GatewayPrincipal.From(Validated(claims: [("sub", "alice"), ("org_id", "acme"), ("org_id", ""), ("org_id", "globex")]), "sub", "org_id");

        Assert.NotNull(principal);
        Assert.Equal("alice", principal.UserId);
        Assert.Equal(["acme", "globex"], principal.Organizations);
        Assert.True(principal.IsAuthenticated);
        Assert.Equal(3 + 1, principal.Claims.Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("alice,bob")]
    [InlineData("ali\nce")]
    public void From_NoOrSeveralOrInvalidUserIds_Null(string subs)
    {
        Assert.Null(GatewayPrincipal.From(Validated(claims: [.. Subs(subs)]), "sub", "org_id"));
    }

    [Fact]
    public void From_OneValidUserId_NotNull() => Assert.NotNull(GatewayPrincipal.From(Validated(claims: [.. Subs("alice")]), "sub", "org_id"));

    [Fact]
    public void TryGetUserId_GatewayPrincipalAskedForAnotherClaim_ReadsTheClaims()
    {
        var principal = GatewayPrincipal.From(Validated(claims: [("sub", "alice"), ("oid", "alice-object-id")]), "sub", "org_id")!;

        Assert.True(IdentityClaims.TryGetUserId(principal, "sub", out var sub));
        Assert.True(IdentityClaims.TryGetUserId(principal, "oid", out var oid));
        Assert.False(IdentityClaims.TryGetUserId(principal, "email", out _));
        Assert.Equal(("alice", "alice-object-id"), (sub, oid));
    }

    [Theory]
    [InlineData("acme", null, true)]
    [InlineData("globex", null, false)]
    [InlineData(null, "acme", true)]
    [InlineData(null, "globex", false)]
    public void Resolve_CapturedOrganizationClaim_ConflictsLikeTheClaims(string? route, string? header, bool allowed)
    {
        var claims = Validated(claims: [("sub", "alice"), ("org_id", "acme")]);
        var principal = GatewayPrincipal.From(claims, "sub", "org_id")!;
        var headers = header is null ? StringValues.Empty : new StringValues(header);

        var captured = OrganizationResolver.Resolve(route, headers, principal, "org_id");
        var fromClaims = OrganizationResolver.Resolve(route, headers, claims, "org_id");

        Assert.Equal(allowed, captured.Succeeded);
        Assert.Equal(fromClaims.Succeeded, captured.Succeeded);
        Assert.Equal(allowed ? GatewayProblem.None : GatewayProblem.OrganizationConflict, captured.Problem);
    }

    [Fact]
    public async Task AuthenticatedUserRequirement_AuthenticatedWithUserId_Succeeds()
    {
        var principal = GatewayPrincipal.From(Validated(claims: [("sub", "alice")]), "sub", "org_id")!;

        Assert.True(await AuthorizeAsync(principal));
        Assert.True(await AuthorizeAsync(Validated(claims: [("sub", "alice")])));
    }

    [Fact]
    public async Task AuthenticatedUserRequirement_Anonymous_Fails()
    {
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice")]));

        Assert.False(await AuthorizeAsync(anonymous));
        Assert.False(await AuthorizeAsync(new ClaimsPrincipal()));

        // A GatewayPrincipal answers from what it captured: built over an unauthenticated identity, it is refused.
        var unauthenticated = GatewayPrincipal.From(new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice")])), "sub", "org_id");
        Assert.NotNull(unauthenticated);
        Assert.False(unauthenticated.IsAuthenticated);
        Assert.False(await AuthorizeAsync(unauthenticated));
    }

    [Theory]
    [InlineData("")]
    [InlineData("alice,bob")]
    public async Task AuthenticatedUserRequirement_AuthenticatedWithoutOneUserId_Fails(string subs)
    {
        Assert.False(await AuthorizeAsync(Validated(claims: [.. Subs(subs)])));
    }

    private static IEnumerable<(string, string)> Subs(string subs) =>
        subs.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => ("sub", s));

    private static async Task<bool> AuthorizeAsync(ClaimsPrincipal user)
    {
        var requirement = new AuthenticatedUserRequirement("sub");
        var context = new AuthorizationHandlerContext([requirement], user, null);
        await requirement.HandleAsync(context);
        return context.HasSucceeded;
    }
}
