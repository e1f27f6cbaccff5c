using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Hosting;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Memberships;
using Gateway.Tests.EndToEnd;
using Gateway.Testing;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The authorization services every request resolves (ASP.NET Core registers them transient) are built once: the same
/// instances in every request scope, so a request no longer allocates the chain policy evaluator → authorization service
/// → handler provider → handlers. Built once, they still decide each request for its own user (the real pipeline in
/// process, requests in sequence and concurrently), and the host refuses to start when a scoped service would be
/// captured by them.
/// </summary>
public sealed class AuthorizationServicesTests
{
    private const string Authority = "http://127.0.0.1:9";

    [Fact]
    public async Task AddTenantGateway_AuthorizationServices_OneInstanceForEveryRequestScope()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = RepoPaths.Root, EnvironmentName = "Local" });
        builder.Host.ValidateServicesInEveryEnvironment();
        builder.Services.AddTenantGateway(builder.Configuration);
        await using var app = builder.Build();

        using var first = app.Services.CreateScope();
        using var second = app.Services.CreateScope();

        Assert.Same(first.ServiceProvider.GetRequiredService<IPolicyEvaluator>(), second.ServiceProvider.GetRequiredService<IPolicyEvaluator>());
        Assert.Same(first.ServiceProvider.GetRequiredService<IAuthorizationService>(), second.ServiceProvider.GetRequiredService<IAuthorizationService>());
        Assert.Same(first.ServiceProvider.GetRequiredService<IAuthorizationHandlerProvider>(), second.ServiceProvider.GetRequiredService<IAuthorizationHandlerProvider>());
        Assert.Equal(
            first.ServiceProvider.GetServices<IAuthorizationHandler>(),
            second.ServiceProvider.GetServices<IAuthorizationHandler>());
        Assert.NotEmpty(first.ServiceProvider.GetServices<IAuthorizationHandler>());
    }

    [Fact]
    public void Build_ScopedAuthorizationHandler_HostRefusesToBuild_StatelessTransientTwinBuilds()
    {
        // Outside Development too (Local here; Production likewise): a scoped handler would be captured by the
        // singleton handler provider, so the host does not build.
        var scoped = Assert.Throws<AggregateException>(() => BuildHost(services => services.AddScoped<IAuthorizationHandler, PerRequestHandler>(), "Local"));
        Assert.Contains(scoped.InnerExceptions, e => e.Message.Contains("Cannot consume scoped service", StringComparison.Ordinal) && e.Message.Contains(nameof(IAuthorizationHandler), StringComparison.Ordinal));

        // The same through a transient handler that depends on a scoped service.
        var indirect = Assert.Throws<AggregateException>(() => BuildHost(
            services => services.AddScoped<PerRequestState>().AddTransient<IAuthorizationHandler, StateReadingHandler>(), "Local"));
        Assert.Contains(indirect.InnerExceptions, e => e.Message.Contains("Cannot consume scoped service", StringComparison.Ordinal) && e.Message.Contains(nameof(PerRequestState), StringComparison.Ordinal));

        // Twin: a stateless transient handler builds, and is built once.
        using var provider = BuildHost(services => services.AddTransient<IAuthorizationHandler, PerRequestHandler>(), "Local");
        Assert.Contains(provider.GetServices<IAuthorizationHandler>(), h => h is PerRequestHandler);
    }

    [Fact]
    public async Task Pipeline_DifferentCallersInSequenceAndConcurrently_EachGetsItsOwnDecision()
    {
        await using var gateway = await Gateway.StartAsync();

        // In sequence on the same singletons: allowed, refused without a token, refused with a signed token that has no user
        // id, allowed for another user, refused again.
        await gateway.AssertAllowedAsync("alice");
        await gateway.AssertRefusedAsync(null, HttpStatusCode.Unauthorized, "unauthenticated");
        await gateway.AssertRefusedAsync(string.Empty, HttpStatusCode.Unauthorized, "unauthenticated"); // signed, but no user id
        await gateway.AssertAllowedAsync("bob");
        await gateway.AssertRefusedAsync(null, HttpStatusCode.Unauthorized, "unauthenticated");

        // Concurrently, interleaved: every request its own decision, every allow audited for its own user.
        var callers = Enumerable.Range(0, 60).Select(i => (i % 4) switch { 0 => "alice", 1 => (string?)null, 2 => "bob", _ => string.Empty }).ToList();
        await Task.WhenAll(callers.Select(caller => caller switch
        {
            null => gateway.AssertRefusedAsync(null, HttpStatusCode.Unauthorized, "unauthenticated"),
            "" => gateway.AssertRefusedAsync(string.Empty, HttpStatusCode.Unauthorized, "unauthenticated"),
            _ => gateway.AssertAllowedAsync(caller),
        }));

        var allowedUsers = gateway.Logs.Entries.Where(e => e.EventId.Id is 6001 or 6003).Select(e => e.Message).ToList();
        Assert.Equal(1 + 15, allowedUsers.Count(m => m.Contains("userId=\"alice\"", StringComparison.Ordinal)));
        Assert.Equal(1 + 15, allowedUsers.Count(m => m.Contains("userId=\"bob\"", StringComparison.Ordinal)));
        Assert.Equal(2 + 30, allowedUsers.Count);
        Assert.Equal(2 + 30, gateway.Backend.Received.Count);
    }

    private static ServiceProvider BuildHost(Action<IServiceCollection> register, string environment)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = RepoPaths.Root, EnvironmentName = environment });
        builder.Host.ValidateServicesInEveryEnvironment();
        builder.Services.AddTenantGateway(builder.Configuration);
        register(builder.Services);
        var app = builder.Build();
        return (ServiceProvider)app.Services;
    }

    private sealed class PerRequestHandler : IAuthorizationHandler
    {
        public Task HandleAsync(AuthorizationHandlerContext context) => Task.CompletedTask;
    }

    private sealed class PerRequestState;

    private sealed class StateReadingHandler(PerRequestState state) : IAuthorizationHandler
    {
        public PerRequestState State { get; } = state;

        public Task HandleAsync(AuthorizationHandlerContext context) => Task.CompletedTask;
    }

    /// <summary>The real pipeline in process (tokens signed by a test key), the engine's stores stubbed, an echo backend.</summary>
    internal sealed class Gateway : IAsyncDisposable
    {
        private readonly RsaSecurityKey _signingKey = new(RSA.Create(2048)) { KeyId = "test-1" };
        private WebApplication _app = null!;
        private HttpClient _client = null!;

        public CapturingLoggerProvider Logs { get; } = new();

        public EchoBackend Backend { get; private set; } = null!;

        /// <param name="configure">Extra services or settings, after the gateway's own.</param>
        /// <param name="map">Extra endpoints, after the gateway's pipeline.</param>
        public static async Task<Gateway> StartAsync(Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? map = null)
        {
            var gateway = new Gateway { Backend = await EchoBackend.StartAsync() };
            var port = FreePort.Next();
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = RepoPaths.Root, EnvironmentName = "Local" });
            builder.Logging.ClearProviders().AddProvider(gateway.Logs).SetMinimumLevel(LogLevel.Information);
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            builder.Host.ValidateServicesInEveryEnvironment();
            builder.Configuration["Authentication:Authority"] = Authority;
            builder.Configuration["Shutdown:DrainDelay"] = "00:00:00";
            builder.Configuration["ReverseProxy:Clusters:applications:Destinations:d1:Address"] = $"http://127.0.0.1:{gateway.Backend.Port}/";
            builder.Services.AddSingleton<IMembershipStore, PipelineStubs.MemberStore>();
            builder.Services.AddSingleton<IOrganizationStore, PipelineStubs.ActiveOrganizations>();
            builder.Services.AddSingleton<ICredentialIssuer, PipelineStubs.StubIssuer>();
            builder.Services.AddTenantGateway(builder.Configuration);
            builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
            {
                var configuration = new OpenIdConnectConfiguration { Issuer = Authority };
                configuration.SigningKeys.Add(gateway._signingKey);
                options.Configuration = configuration;
                options.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration);
            });
            configure?.Invoke(builder);
            gateway._app = builder.Build();
            gateway._app.UseTenantGateway();
            map?.Invoke(gateway._app);
            await gateway._app.StartAsync();
            gateway._client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
            return gateway;
        }

        public async Task AssertAllowedAsync(string user)
        {
            using var response = await SendAsync(user);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{user}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("{\"echo\":true}", await response.Content.ReadAsStringAsync());
        }

        /// <param name="user">null: no token; empty: a valid token without a user id.</param>
        public async Task AssertRefusedAsync(string? user, HttpStatusCode status, string code)
        {
            using var response = await SendAsync(user);
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(code, json.RootElement.GetProperty("code").GetString());
        }

        public WebApplication App => _app;

        public Task<HttpResponseMessage> SendAsync(string? user) => SendAsync(user is null ? null : CreateToken(user), "api/applications");

        /// <param name="token">The bearer token, or null for none.</param>
        public Task<HttpResponseMessage> SendAsync(string? token, string path)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("X-Organization-Id", "acme");
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            return _client.SendAsync(request);
        }

        /// <summary>A token signed by the gateway's trusted key: <c>sub</c> = <paramref name="user"/> (none when empty), plus <paramref name="claims"/>.</summary>
        public string CreateToken(string user, params Claim[] claims)
            => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = Authority,
                Audience = "tenant-gateway",
                Subject = new ClaimsIdentity([.. user.Length == 0 ? [new Claim("name", "no user id")] : new[] { new Claim("sub", user) }, .. claims]),
                Expires = DateTime.UtcNow.AddMinutes(5),
                SigningCredentials = new SigningCredentials(_signingKey, SecurityAlgorithms.RsaSha256),
            });

        public async ValueTask DisposeAsync()
        {
            _client?.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
            await Backend.DisposeAsync();
            Logs.Dispose();
        }
    }
}
