using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Gateway.Authentication;
using Gateway.Hosting;
using Gateway.Tests.Hosting;
using Gateway.Testing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Authentication;

/// <summary>
/// The authorization fast path takes a request only when the framework would authorize it with exactly the tenant
/// policy and the principal is the validated-token cache's; every other request goes to ASP.NET Core's own
/// <c>UseAuthorization()</c>. Each precondition: a request that misses it goes to the framework, its twin that meets it
/// takes the fast path. The middleware runs here with the gateway's real services, behind the real
/// <see cref="GatewayAuthenticationMiddleware"/> and its cache; the framework is a stub that records it was asked.
/// </summary>
public sealed class GatewayAuthorizationMiddlewareTests : IAsyncDisposable
{
    private const string Token = "Bearer a.b.c";
    private const string Fast = "fast";
    private const string Framework = "framework";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ValidatedTokenCache _cache;
    private readonly List<WebApplication> _apps = [];

    public GatewayAuthorizationMiddlewareTests()
    {
        _cache = new ValidatedTokenCache(TestOptions.Wrap(new GatewayAuthenticationOptions { ValidatedTokenCacheDuration = TimeSpan.FromMinutes(5) }), _time);
        _cache.Add(Token, Alice(), _time.GetUtcNow().AddMinutes(30), "key-1:thumbprint");
    }

    public static TheoryData<string> OtherEndpoints => new()
    {
        "none", "no-authorize-data", "other-policy", "policy-name-case", "roles", "schemes", "two-authorize-data",
        "policy-metadata", "requirement-data", "allow-anonymous",
    };

    [Fact]
    public async Task TenantEndpoint_CachedPrincipal_FastPath_MarkerSet()
    {
        var (decision, context) = await DecideAsync(Build(), TenantEndpoint(), Token);

        Assert.Equal(Fast, decision);
        Assert.True(context.Items.ContainsKey(GatewayAuthorizationMiddleware.EndpointInvokedKey));
        Assert.True(GatewayAuthorizationMiddleware.DecidedByFastPath(context));
    }

    [Theory]
    [MemberData(nameof(OtherEndpoints))]
    public async Task OtherEndpoint_CachedPrincipal_FrameworkDecides(string kind)
    {
        var app = Build(services => services.AddAuthorizationBuilder().AddPolicy("other", p => p.RequireClaim("scope", "admin")));
        Endpoint? endpoint = kind switch
        {
            "none" => null,
            "no-authorize-data" => EndpointWith(),
            "other-policy" => EndpointWith(new AuthorizeAttribute("other")),
            "policy-name-case" => EndpointWith(new AuthorizeAttribute("Tenant")),
            "roles" => EndpointWith(new AuthorizeAttribute(GatewayAuthorization.TenantPolicy) { Roles = "admin" }),
            "schemes" => EndpointWith(new AuthorizeAttribute(GatewayAuthorization.TenantPolicy) { AuthenticationSchemes = "Bearer" }),
            "two-authorize-data" => EndpointWith(new AuthorizeAttribute(GatewayAuthorization.TenantPolicy), new AuthorizeAttribute("other")),
            "policy-metadata" => EndpointWith(new AuthorizeAttribute(GatewayAuthorization.TenantPolicy), new AuthorizationPolicyBuilder().RequireClaim("scope", "admin").Build()),
            "requirement-data" => EndpointWith(new AuthorizeAttribute(GatewayAuthorization.TenantPolicy), new AdminRequirementData()),
            "allow-anonymous" => EndpointWith(new AuthorizeAttribute(GatewayAuthorization.TenantPolicy), new AllowAnonymousAttribute()),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var (decision, context) = await DecideAsync(app, endpoint, Token);

        Assert.Equal(Framework, decision);
        Assert.False(GatewayAuthorizationMiddleware.DecidedByFastPath(context));

        // Twin: the tenant endpoint on the same host, the same principal.
        Assert.Equal(Fast, (await DecideAsync(app, TenantEndpoint(), Token)).Decision);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer x.y.z")] // a token the cache does not hold: JwtBearer would validate it
    public async Task TenantEndpoint_PrincipalNotFromTheCache_FrameworkDecides_CachedTwinFast(string? header)
    {
        var app = Build();

        Assert.Equal(Framework, (await DecideAsync(app, TenantEndpoint(), header)).Decision);
        Assert.Equal(Fast, (await DecideAsync(app, TenantEndpoint(), Token)).Decision);
    }

    [Fact]
    public async Task TenantEndpoint_AuthenticatedByTheFrameworkWithAGatewayPrincipal_FrameworkDecides()
    {
        // A GatewayPrincipal, but set the way ASP.NET Core's authentication middleware sets it (its own features).
        var app = Build();
        var (decision, _) = await DecideAsync(app, TenantEndpoint(), null, context =>
        {
            var result = AuthenticateResult.Success(new AuthenticationTicket(Alice(), "Bearer"));
            context.User = result.Principal!;
            var features = new FrameworkLikeFeatures(result);
            context.Features.Set<IHttpAuthenticationFeature>(features);
            context.Features.Set<IAuthenticateResultFeature>(features);
        });

        Assert.Equal(Framework, decision);
    }

    [Fact]
    public async Task TenantEndpoint_CacheResultButAnotherUser_FrameworkDecides()
    {
        // The result feature is the cache's, but the request's user is no longer its principal.
        var app = Build();
        var (decision, _) = await DecideAsync(app, TenantEndpoint(), Token, context =>
            context.Features.Set<IHttpAuthenticationFeature>(new HttpAuthenticationFeature { User = Alice() }));

        Assert.Equal(Framework, decision);
    }

    [Fact]
    public async Task TenantEndpoint_CachePrincipalReplacedByANonGatewayPrincipal_FrameworkDecides()
    {
        var app = Build();
        var (decision, _) = await DecideAsync(app, TenantEndpoint(), Token, context =>
        {
            var feature = Assert.IsType<GatewayAuthenticationMiddleware.AuthenticatedFeatures>(context.Features.Get<IAuthenticateResultFeature>());
            var plain = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice")], "Bearer"));
            feature.AuthenticateResult = AuthenticateResult.Success(new AuthenticationTicket(plain, "Bearer"));
        });

        Assert.Equal(Framework, decision);
    }

    [Fact]
    public async Task TenantEndpoint_CachedPrincipalDoesNotMeetTheRequirement_FrameworkDecides()
    {
        // The tenant policy asks for the user id in "uid"; the cached principal's was read from "sub".
        var app = Build(settings: new() { ["Authentication:UserIdClaim"] = "uid" });

        Assert.Equal(Framework, (await DecideAsync(app, TenantEndpoint(), Token)).Decision);

        // Twin: a principal whose user id is in "uid".
        using var cache = new ValidatedTokenCache(TestOptions.Wrap(new GatewayAuthenticationOptions { ValidatedTokenCacheDuration = TimeSpan.FromMinutes(5) }), _time);
        cache.Add(Token, GatewayPrincipal.From(new ClaimsPrincipal(new ClaimsIdentity([new Claim("uid", "alice")], "AuthenticationTypes.Federation")), "uid", "org_id")!, _time.GetUtcNow().AddMinutes(30), "key-1:thumbprint");
        Assert.Equal(Fast, (await DecideAsync(app, TenantEndpoint(), Token, cache: cache)).Decision);
    }

    [Fact]
    public async Task TenantPolicyWithAnotherRequirement_FrameworkDecides()
    {
        var app = Build(services => services.Configure<AuthorizationOptions>(o =>
            o.AddPolicy(GatewayAuthorization.TenantPolicy, p => p.AddRequirements(o.GetPolicy(GatewayAuthorization.TenantPolicy)!.Requirements[0]).RequireClaim("scope", "admin"))));

        Assert.Equal(Framework, (await DecideAsync(app, TenantEndpoint(), Token)).Decision);
    }

    [Fact]
    public async Task AnotherAuthorizationHandler_FrameworkDecidesEveryRequest()
    {
        // A handler could fail the tenant requirement: only the framework runs it.
        var app = Build(services => services.AddSingleton<IAuthorizationHandler, FailEverything>());

        Assert.Equal(Framework, (await DecideAsync(app, TenantEndpoint(), Token)).Decision);
    }

    [Fact]
    public async Task AnotherResultHandler_FrameworkDecidesEveryRequest()
    {
        var app = Build(services => services.AddSingleton<IAuthorizationMiddlewareResultHandler, Microsoft.AspNetCore.Authorization.Policy.AuthorizationMiddlewareResultHandler>());

        Assert.Equal(Framework, (await DecideAsync(app, TenantEndpoint(), Token)).Decision);
    }

    [Fact]
    public async Task AnotherPolicyProvider_FrameworkDecidesEveryRequest()
    {
        // Even one that returns the same policies: only the framework's provider is known to keep them for the host's life.
        var app = Build(services => services.AddSingleton<IAuthorizationPolicyProvider, SamePolicies>());

        Assert.Equal(Framework, (await DecideAsync(app, TenantEndpoint(), Token)).Decision);
    }

    [Fact]
    public async Task FrameworkAttemptsCounterListenedTo_FrameworkDecides_UnlistenedTwinFast()
    {
        var app = Build();
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        var middleware = Middleware(app);
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Name == GatewayAuthorizationMiddleware.AttemptsInstrumentName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.Start();

            Assert.Equal(Framework, (await DecideAsync(middleware, TenantEndpoint(), Token, app)).Decision);
        }

        Assert.Equal(Fast, (await DecideAsync(middleware, TenantEndpoint(), Token, app)).Decision);
    }

    [Fact]
    public void FrameworkAttemptsCounterNotFound_CountsAsListenedTo_GatewayHostTwinNot()
    {
        // A framework without the counter (or whose counter was not found) is treated as listened to: framework path.
        using var empty = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using (var missing = new FrameworkAuthorizationAttempts(empty.GetRequiredService<IMeterFactory>(), empty))
        {
            Assert.True(missing.Enabled);
        }

        Assert.False(Build().Services.GetRequiredService<FrameworkAuthorizationAttempts>().Enabled);
    }

    [Fact]
    public async Task FrameworkAuthorizationServiceLogsDebug_FrameworkDecides()
    {
        var app = Build(settings: new() { ["Logging:LogLevel:Microsoft.AspNetCore.Authorization"] = "Debug" });

        Assert.Equal(Framework, (await DecideAsync(app, TenantEndpoint(), Token)).Decision);
    }

    /// <summary>The real pipeline: the tenant route and the host's own endpoints answer as before, through either path.</summary>
    [Fact]
    public async Task Pipeline_TenantRouteAndOtherEndpoints_SameAnswersAsTheFramework()
    {
        await using var gateway = await AuthorizationServicesTests.Gateway.StartAsync(
            builder => builder.Services.AddAuthorizationBuilder().AddPolicy("other", p => p.RequireClaim("scope", "admin")),
            app =>
            {
                app.MapGet("/probe/tenant", Probe).RequireAuthorization(GatewayAuthorization.TenantPolicy);
                app.MapGet("/probe/other", Probe).RequireAuthorization("other");
                app.MapGet("/probe/tenant-and-requirement", Probe).RequireAuthorization(GatewayAuthorization.TenantPolicy).RequireAuthorization(p => p.RequireClaim("scope", "admin"));
                app.MapGet("/probe/anonymous", Probe).RequireAuthorization(GatewayAuthorization.TenantPolicy).AllowAnonymous();
            });
        var alice = gateway.CreateToken("alice");
        var admin = gateway.CreateToken("carol", new Claim("scope", "admin"));

        // The tenant route (YARP): the first request validates the token (framework), the next ones hit the cache.
        for (var i = 0; i < 3; i++)
        {
            using var allowed = await gateway.SendAsync(alice, "api/applications");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal("{\"echo\":true}", await allowed.Content.ReadAsStringAsync());
        }

        await AssertProblemAsync(await gateway.SendAsync(null, "api/applications"), HttpStatusCode.Unauthorized, "unauthenticated");
        await AssertProblemAsync(await gateway.SendAsync(gateway.CreateToken(string.Empty), "api/applications"), HttpStatusCode.Unauthorized, "unauthenticated");

        // An endpoint of exactly the tenant policy: framework for the uncached token, fast path once it is cached.
        var bob = gateway.CreateToken("bob");
        Assert.Equal(Framework, await ProbeAsync(gateway, bob, "probe/tenant"));
        Assert.Equal(Fast, await ProbeAsync(gateway, bob, "probe/tenant"));
        await AssertProblemAsync(await gateway.SendAsync(null, "probe/tenant"), HttpStatusCode.Unauthorized, "unauthenticated");

        // Another policy, or the tenant policy plus a requirement: the framework refuses alice (403) and lets carol in.
        foreach (var path in new[] { "probe/other", "probe/tenant-and-requirement" })
        {
            await AssertProblemAsync(await gateway.SendAsync(alice, path), HttpStatusCode.Forbidden, "forbidden");
            Assert.Equal(Framework, await ProbeAsync(gateway, admin, path));
            Assert.Equal(Framework, await ProbeAsync(gateway, admin, path));
        }

        // [AllowAnonymous]: no token is let in, by the framework; the host's own anonymous endpoints likewise.
        Assert.Equal(Framework, await ProbeAsync(gateway, null, "probe/anonymous"));
        Assert.Equal(Framework, await ProbeAsync(gateway, alice, "probe/anonymous"));
        using (var health = await gateway.SendAsync(null, "healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        // The proxied tenant route's own endpoint is one the fast path takes (its metadata is YARP's, not the probes').
        var tenantRoutes = ((IEndpointRouteBuilder)gateway.App).DataSources.SelectMany(s => s.Endpoints)
            .Where(e => e.Metadata.GetMetadata<Yarp.ReverseProxy.Model.RouteModel>()?.Config.AuthorizationPolicy == GatewayAuthorization.TenantPolicy).ToList();
        Assert.NotEmpty(tenantRoutes);
        foreach (var route in tenantRoutes)
        {
            Assert.Equal(Fast, (await DecideAsync(Middleware(gateway.App), route, Token, gateway.App)).Decision);
        }
    }

    private static Task Probe(HttpContext context)
        => context.Response.WriteAsync(GatewayAuthorizationMiddleware.DecidedByFastPath(context) ? Fast : Framework);

    private static async Task<string> ProbeAsync(AuthorizationServicesTests.Gateway gateway, string? token, string path)
    {
        using var response = await gateway.SendAsync(token, path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(code, json.RootElement.GetProperty("code").GetString());
        }
    }

    private static GatewayPrincipal Alice() => GatewayPrincipal.From(
        new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice")], "AuthenticationTypes.Federation")), "sub", "org_id")!;

    private static Endpoint TenantEndpoint() => EndpointWith(new AuthorizeAttribute(GatewayAuthorization.TenantPolicy));

    private static Endpoint EndpointWith(params object[] metadata) => new(_ => Task.CompletedTask, new EndpointMetadataCollection(metadata), "test");

    /// <summary>The gateway's services (not started), with <paramref name="register"/> after them.</summary>
    private WebApplication Build(Action<IServiceCollection>? register = null, Dictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = RepoPaths.Root, EnvironmentName = "Local" });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Host.ValidateServicesInEveryEnvironment();
        builder.Services.AddTenantGateway(builder.Configuration);
        register?.Invoke(builder.Services);
        var app = builder.Build();
        _apps.Add(app);
        return app;
    }

    private static GatewayAuthorizationMiddleware Middleware(WebApplication app) => new(
        context =>
        {
            context.Items["decision"] = Fast;
            return Task.CompletedTask;
        },
        _ => context =>
        {
            context.Items["decision"] = Framework;
            return Task.CompletedTask;
        },
        app.Services,
        app.Services.GetRequiredService<FrameworkAuthorizationAttempts>(),
        app.Services.GetRequiredService<ILogger<DefaultAuthorizationService>>());

    private Task<(string Decision, HttpContext Context)> DecideAsync(WebApplication app, Endpoint? endpoint, string? authorization, Action<HttpContext>? afterAuthentication = null, ValidatedTokenCache? cache = null)
        => DecideAsync(Middleware(app), endpoint, authorization, app, afterAuthentication, cache);

    /// <summary>The real authentication middleware (with the cache) in front of <paramref name="middleware"/>.</summary>
    private async Task<(string Decision, HttpContext Context)> DecideAsync(GatewayAuthorizationMiddleware middleware, Endpoint? endpoint, string? authorization, WebApplication app, Action<HttpContext>? afterAuthentication = null, ValidatedTokenCache? cache = null)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        if (endpoint is not null)
        {
            context.SetEndpoint(endpoint);
        }

        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        var authentication = new GatewayAuthenticationMiddleware(
            c =>
            {
                afterAuthentication?.Invoke(c);
                return middleware.InvokeAsync(c);
            },
            app.Services.GetRequiredService<IAuthenticationSchemeProvider>(),
            cache ?? _cache);
        await authentication.InvokeAsync(context);
        return ((string)context.Items["decision"]!, context);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        _cache.Dispose();
    }

    private sealed class AdminRequirementData : IAuthorizationRequirementData
    {
        public IEnumerable<IAuthorizationRequirement> GetRequirements() => [new ClaimsAuthorizationRequirement("scope", ["admin"])];
    }

    private sealed class SamePolicies(Microsoft.Extensions.Options.IOptions<AuthorizationOptions> options) : DefaultAuthorizationPolicyProvider(options);

    private sealed class FailEverything : IAuthorizationHandler
    {
        public Task HandleAsync(AuthorizationHandlerContext context)
        {
            context.Fail();
            return Task.CompletedTask;
        }
    }

    private sealed class FrameworkLikeFeatures(AuthenticateResult result) : IAuthenticateResultFeature, IHttpAuthenticationFeature
    {
        public AuthenticateResult? AuthenticateResult { get; set; } = result;

        public ClaimsPrincipal? User { get; set; } = result.Principal;
    }
}
