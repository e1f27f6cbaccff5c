using System.Text.Json;
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
    [InlineData((int)GatewayProblem.NotAMember, 403, "not_a_member")]
    [InlineData((int)GatewayProblem.OrganizationSuspended, 403, "organization_suspended")]
    [InlineData((int)GatewayProblem.UnknownOrganization, 403, "unknown_organization")]
    [InlineData((int)GatewayProblem.MembershipUnavailable, 503, "membership_unavailable")]
    [InlineData((int)GatewayProblem.CredentialsUnavailable, 503, "credentials_unavailable")]
    public async Task WriteAsync_EachProblem_HasStableStatusAndCode(int problem, int status, string code)
    {
        var context = new DefaultHttpContext { TraceIdentifier = "req-1" };
        context.Response.Body = new MemoryStream();

        await ProblemWriter.WriteAsync(context, (GatewayProblem)problem);

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

        await ProblemWriter.WriteAsync(context, GatewayProblem.CredentialsUnavailable, TimeSpan.FromMilliseconds(4200));

        Assert.Equal("5", context.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task WriteAsync_WithoutRetryAfter_NoHeader()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        await ProblemWriter.WriteAsync(context, GatewayProblem.NotAMember);

        Assert.False(context.Response.Headers.ContainsKey("Retry-After"));
    }
}
