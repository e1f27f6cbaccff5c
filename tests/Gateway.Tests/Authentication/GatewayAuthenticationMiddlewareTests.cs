using System.Security.Claims;
using Gateway.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Authentication;

public sealed class GatewayAuthenticationMiddlewareTests : IDisposable
{
    private const string Token = "Bearer a.b.c";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ValidatedTokenCache _cache;
    private readonly ServiceProvider _services;
    private readonly GatewayPrincipal _alice = GatewayPrincipal.From(
        new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice")], "AuthenticationTypes.Federation")), "sub", "org_id")!;

    public GatewayAuthenticationMiddlewareTests()
    {
        _cache = new ValidatedTokenCache(TestOptions.Wrap(new GatewayAuthenticationOptions { ValidatedTokenCacheDuration = TimeSpan.FromMinutes(5) }), _time);
        _cache.Add(Token, _alice, _time.GetUtcNow().AddMinutes(30), "key-1:thumbprint");
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAuthentication(); // no default scheme: the standard path authenticates nobody here
        _services = services.BuildServiceProvider();
    }

    public void Dispose()
    {
        _cache.Dispose();
        _services.Dispose();
    }

    [Fact]
    public async Task InvokeAsync_CachedToken_UserAndResultFromTheCache()
    {
        var (context, nextCalled) = await InvokeAsync(Token);

        Assert.True(nextCalled);
        Assert.Same(_alice, context.User);
        var result = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult;
        Assert.NotNull(result);
        Assert.True(result.Succeeded);
        Assert.Equal("Bearer", result.Ticket!.AuthenticationScheme);
        Assert.Same(_alice, context.Features.Get<IHttpAuthenticationFeature>()?.User);
    }

    [Theory]
    [InlineData("Bearer a.b.d")]
    [InlineData("Bearer a.b.c ")]
    [InlineData("Basic a.b.c")]
    [InlineData(null)]
    public async Task InvokeAsync_TokenNotCached_StandardAuthenticationDecides(string? header)
    {
        var (context, nextCalled) = await InvokeAsync(header);

        Assert.True(nextCalled); // the standard middleware always continues; authorization refuses later
        Assert.NotSame(_alice, context.User);
        Assert.False(context.User.Identity?.IsAuthenticated ?? false);
        Assert.Null(context.Features.Get<IAuthenticateResultFeature>());
    }

    [Fact]
    public async Task InvokeAsync_CachedTokenPastItsExpiry_StandardAuthenticationDecides()
    {
        _time.Advance(TimeSpan.FromMinutes(5));

        var (context, _) = await InvokeAsync(Token);

        Assert.NotSame(_alice, context.User);
        Assert.Null(context.Features.Get<IAuthenticateResultFeature>());
    }

    [Fact]
    public async Task InvokeAsync_TwoHeaderValues_StandardAuthenticationDecides()
    {
        var (context, _) = await InvokeAsync(new Microsoft.Extensions.Primitives.StringValues([Token, Token]));

        Assert.NotSame(_alice, context.User);
    }

    private async Task<(HttpContext Context, bool NextCalled)> InvokeAsync(Microsoft.Extensions.Primitives.StringValues header)
    {
        var nextCalled = false;
        var middleware = new GatewayAuthenticationMiddleware(
            _ =>
            {
                nextCalled = true;
                return Task.CompletedTask;
            },
            _services.GetRequiredService<IAuthenticationSchemeProvider>(),
            _cache);
        var context = new DefaultHttpContext { RequestServices = _services };
        if (header.Count > 0)
        {
            context.Request.Headers.Authorization = header;
        }

        await middleware.InvokeAsync(context);
        return (context, nextCalled);
    }
}
