using System.Security.Claims;
using Gateway.Problems;
using Gateway.Tenancy;
using Microsoft.Extensions.Primitives;

namespace Gateway.Tests.Tenancy;

public sealed class OrganizationResolverTests
{
    private static ClaimsPrincipal User(string? org = null)
    {
        var claims = new List<Claim> { new("sub", "alice") };
        if (org is not null)
        {
            claims.Add(new Claim("org_id", org));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, "test"));
    }

    [Theory]
    [InlineData("acme", null, null)]
    [InlineData(null, "acme", null)]
    [InlineData(null, null, "acme")]
    [InlineData("acme", "acme", "acme")]
    public void Resolve_OneOrAgreeingSources_ReturnsTheOrganization(string? route, string? header, string? claim)
    {
        var result = OrganizationResolver.Resolve(route, header is null ? StringValues.Empty : new StringValues(header), User(claim), "org_id");

        Assert.True(result.Succeeded);
        Assert.Equal("acme", result.OrganizationId.Value);
    }

    [Theory]
    [InlineData("acme", "globex", null)]
    [InlineData("acme", null, "globex")]
    [InlineData(null, "acme", "globex")]
    public void Resolve_ConflictingSources_OrganizationConflict(string? route, string? header, string? claim)
    {
        var result = OrganizationResolver.Resolve(route, header is null ? StringValues.Empty : new StringValues(header), User(claim), "org_id");

        Assert.Equal(GatewayProblem.OrganizationConflict, result.Problem);
    }

    [Fact]
    public void Resolve_TwoHeaderValues_OrganizationConflict()
        => Assert.Equal(GatewayProblem.OrganizationConflict, OrganizationResolver.Resolve(null, new StringValues(["acme", "globex"]), User(), "org_id").Problem);

    [Fact]
    public void Resolve_NoSource_OrganizationRequired()
        => Assert.Equal(GatewayProblem.OrganizationRequired, OrganizationResolver.Resolve(null, StringValues.Empty, User(), "org_id").Problem);

    [Theory]
    [InlineData("org-1*")]
    [InlineData("../x")]
    [InlineData("acme/globex")]
    [InlineData("-acme")]
    [InlineData("acme\"")]
    [InlineData("ac me")]
    public void Resolve_InvalidIdInHeader_InvalidOrganizationId(string value)
        => Assert.Equal(GatewayProblem.InvalidOrganizationId, OrganizationResolver.Resolve(null, new StringValues(value), User(), "org_id").Problem);

    [Fact]
    public void Resolve_TooLongId_InvalidOrganizationId()
        => Assert.Equal(GatewayProblem.InvalidOrganizationId, OrganizationResolver.Resolve(new string('a', 200), StringValues.Empty, User(), "org_id").Problem);
}
