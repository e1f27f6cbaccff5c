using System.Text.Json;
using Gateway.Isolation.Evaluation;
using Gateway.Problems;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Problems;

public sealed class ProblemWriterTests
{
    [Theory]
    [InlineData((int)GatewayProblem.Unauthenticated, 401, "unauthenticated")]
    [InlineData((int)GatewayProblem.OrganizationRequired, 400, "organization_required")]
    [InlineData((int)GatewayProblem.OrganizationConflict, 400, "organization_conflict")]
    [InlineData((int)GatewayProblem.InvalidOrganizationId, 400, "invalid_organization_id")]
    [InlineData((int)GatewayProblem.BadRequest, 400, "bad_request")]
    [InlineData((int)GatewayProblem.Forbidden, 403, "forbidden")]
    [InlineData((int)GatewayProblem.InternalError, 500, "internal_error")]
    [InlineData((int)GatewayProblem.MethodNotAllowed, 405, "method_not_allowed")]
    [InlineData((int)GatewayProblem.AuthorityUnavailable, 503, "authority_unavailable")]
    [InlineData((int)GatewayProblem.BackendUnavailable, 502, "backend_unavailable")]
    [InlineData((int)GatewayProblem.BackendTimeout, 504, "backend_timeout")]
    public async Task WriteAsync_EachProblem_HasStableStatusAndCode(int problem, int status, string code)
    {
        var context = new DefaultHttpContext { TraceIdentifier = "req-1" };
        context.Response.Body = new MemoryStream();

        await ProblemWriter.WriteAsync(context, (GatewayProblem)problem);

        await AssertProblemAsync(context, status, code);
    }

    [Theory]
    [InlineData((int)TenantDenialCode.NotAMember, 403, "not_a_member")]
    [InlineData((int)TenantDenialCode.RoleNotMapped, 403, "not_a_member")]
    [InlineData((int)TenantDenialCode.OrganizationSuspended, 403, "organization_suspended")]
    [InlineData((int)TenantDenialCode.UnknownOrganization, 403, "unknown_organization")]
    [InlineData((int)TenantDenialCode.MembershipUnavailable, 503, "membership_unavailable")]
    [InlineData((int)TenantDenialCode.CredentialsUnavailable, 503, "credentials_unavailable")]
    [InlineData((int)TenantDenialCode.OrganizationMigrating, 503, "organization_migrating")]
    [InlineData((int)TenantDenialCode.UnknownDataLocation, 500, "internal_error")]
    public async Task WriteAsync_EachEngineDenial_HasStableStatusAndCode(int denial, int status, string code)
    {
        var context = new DefaultHttpContext { TraceIdentifier = "req-1" };
        context.Response.Body = new MemoryStream();

        await ProblemWriter.WriteAsync(context, ProblemTable.For((TenantDenialCode)denial));

        await AssertProblemAsync(context, status, code);
    }

    [Fact]
    public void ProblemTable_EveryDenialAndHostProblem_HasARow_NoneIsTheAllowOutcome()
    {
        foreach (var denial in Enum.GetValues<TenantDenialCode>())
        {
            Assert.NotNull(ProblemTable.For(denial));
        }

        foreach (var problem in Enum.GetValues<GatewayProblem>())
        {
            Assert.NotNull(ProblemTable.For(problem));
        }

        Assert.Same(ProblemTable.Allow, ProblemTable.For(TenantDenialCode.None));
        Assert.Same(ProblemTable.Allow, ProblemTable.For(GatewayProblem.None));
        Assert.Equal("allow", ProblemTable.Allow.Code);
        Assert.Contains(ProblemTable.All, row => row.Code == "organization_migrating");
    }

    [Theory]
    [InlineData((int)GatewayProblem.Unauthenticated, "WWW-Authenticate", "Bearer")]
    [InlineData((int)GatewayProblem.MethodNotAllowed, "Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")]
    public async Task WriteAsync_RowWithAFixedHeader_WritesIt(int problem, string header, string value)
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        await ProblemWriter.WriteAsync(context, (GatewayProblem)problem);

        Assert.Equal(value, context.Response.Headers[header].ToString());
    }

    [Fact]
    public async Task WriteAsync_RowWithoutAFixedHeader_WritesNeither()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        await ProblemWriter.WriteAsync(context, GatewayProblem.Forbidden);

        Assert.False(context.Response.Headers.ContainsKey("WWW-Authenticate"));
        Assert.False(context.Response.Headers.ContainsKey("Allow"));
    }

    private static async Task AssertProblemAsync(DefaultHttpContext context, int status, string code)
    {
        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        context.Response.Body.Position = 0;
        using var json = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.Equal(code, json.RootElement.GetProperty("code").GetString());
        Assert.Equal("req-1", json.RootElement.GetProperty("requestId").GetString());
        Assert.Equal(status, json.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task WriteAsync_WithRetryAfter_SetsWholeSecondsHeader()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        await ProblemWriter.WriteAsync(context, ProblemTable.For(TenantDenialCode.CredentialsUnavailable), TimeSpan.FromMilliseconds(4200));

        Assert.Equal("5", context.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task WriteAsync_WithoutRetryAfter_NoHeader()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        await ProblemWriter.WriteAsync(context, ProblemTable.For(TenantDenialCode.NotAMember));

        Assert.False(context.Response.Headers.ContainsKey("Retry-After"));
    }
}
