using System.Text.Json;
using Gateway.Auditing;
using Gateway.Authentication;
using Gateway.Diagnostics;
using Gateway.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Authentication;

/// <summary>
/// The one writer of authentication refusals (JwtBearer's own challenge and forbid handlers are never invoked, and were
/// removed): what JwtBearer recorded (<see cref="AuthenticationRefusal"/>) decides the problem.
/// </summary>
public sealed class ProblemAuthorizationResultHandlerTests : IDisposable
{
    private readonly TestMeterFactory _meters = new();
    private readonly GatewayMetrics _metrics;
    private readonly ProblemAuthorizationResultHandler _handler;

    public ProblemAuthorizationResultHandlerTests()
    {
        _metrics = new GatewayMetrics(_meters);
        var refusals = new RefusalAuditor(new AuditLogger(new CapturingLoggerProvider(), TestOptions.Wrap(new AuditOptions())), _metrics, new FakeTimeProvider());
        _handler = new ProblemAuthorizationResultHandler(refusals);
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _meters.Dispose();
    }

    private static AuthorizationPolicy Policy => new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();

    private async Task<(int Status, string Code, DefaultHttpContext Context)> HandleAsync(string? refusal, PolicyAuthorizationResult result)
    {
        var context = new DefaultHttpContext { TraceIdentifier = "req-1" };
        context.Response.Body = new MemoryStream();
        if (refusal is not null)
        {
            AuthenticationRefusal.Set(context, refusal);
        }

        await _handler.HandleAsync(_ => throw new InvalidOperationException("a refused request must not go on"), context, Policy, result);
        context.Response.Body.Position = 0;
        using var json = await JsonDocument.ParseAsync(context.Response.Body);
        return (context.Response.StatusCode, json.RootElement.GetProperty("code").GetString()!, context);
    }

    [Fact]
    public async Task HandleAsync_ChallengedBecauseSigningKeysAreStale_503AuthorityUnavailable()
    {
        var (status, code, context) = await HandleAsync(AuthenticationRefusal.SigningKeysStale, PolicyAuthorizationResult.Challenge());

        Assert.Equal(503, status);
        Assert.Equal("authority_unavailable", code);
        Assert.False(context.Response.Headers.ContainsKey("WWW-Authenticate"));
    }

    [Fact]
    public async Task HandleAsync_ChallengedForAnInvalidToken_401UnauthenticatedWithBearerChallenge()
    {
        var (status, code, context) = await HandleAsync(AuthenticationRefusal.InvalidToken, PolicyAuthorizationResult.Challenge());

        Assert.Equal(401, status);
        Assert.Equal("unauthenticated", code);
        Assert.Equal("Bearer", context.Response.Headers.WWWAuthenticate.ToString());
    }

    [Fact]
    public async Task HandleAsync_ForbiddenUnauthenticatedWithStaleKeys_503AuthorityUnavailable()
    {
        var (status, code, _) = await HandleAsync(AuthenticationRefusal.SigningKeysStale, PolicyAuthorizationResult.Forbid());

        Assert.Equal(503, status);
        Assert.Equal("authority_unavailable", code);
    }
}
