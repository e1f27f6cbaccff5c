using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Hosting;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Evaluation;
using Gateway.Isolation.Memberships;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Gateway.Tenancy;
using Gateway.Tests.EndToEnd;
using Gateway.Testing;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The real gateway pipeline (authentication, YARP, the tenant middleware and transform) in process, in front of an echo
/// backend, with a stub membership store and credential issuer and an envelope writer that can be made to throw: a
/// failure to produce the envelope is a 500 problem+json <c>internal_error</c>, audited as a deny and counted, never a
/// bare 502, and the backend receives nothing; the twin request with a working writer is forwarded with its envelope.
/// </summary>
#pragma warning disable CA1001 // xunit disposes through IAsyncLifetime.DisposeAsync
public sealed class EnvelopeFailurePipelineTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private const string Authority = "http://127.0.0.1:9";
    private readonly RsaSecurityKey _signingKey = new(RSA.Create(2048)) { KeyId = "test-1" };
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ThrowingEnvelopes _envelopes = new();
    private EchoBackend _echo = null!;
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _echo = await EchoBackend.StartAsync();
        var port = FreePort.Next();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = RepoPaths.Root, EnvironmentName = "Local" });
        builder.Logging.ClearProviders().AddProvider(_logs).SetMinimumLevel(LogLevel.Information);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Configuration["Authentication:Authority"] = Authority;
        builder.Configuration["ReverseProxy:Clusters:applications:Destinations:d1:Address"] = $"http://127.0.0.1:{_echo.Port}/";
        // Registered first: AddTenantGateway's TryAdd* keep these.
        builder.Services.AddSingleton<IMembershipStore, PipelineStubs.MemberStore>();
        builder.Services.AddSingleton<IOrganizationStore, PipelineStubs.ActiveOrganizations>();
        builder.Services.AddSingleton<ICredentialIssuer, PipelineStubs.StubIssuer>();
        builder.Services.AddSingleton<EnvelopeService>();
        builder.Services.AddSingleton<IEnvelopeService>(sp => _envelopes.Wrap(sp.GetRequiredService<EnvelopeService>()));
        builder.Services.AddTenantGateway(builder.Configuration);
        builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
        {
            var configuration = new OpenIdConnectConfiguration { Issuer = Authority };
            configuration.SigningKeys.Add(_signingKey);
            options.Configuration = configuration;
            options.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration);
        });
        _app = builder.Build();
        _app.UseTenantGateway();
        await _app.StartAsync();
        _client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(20) };
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _echo.DisposeAsync();
        _logs.Dispose();
    }

    private Task<HttpResponseMessage> SendAsync()
    {
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Authority,
            Audience = "tenant-gateway",
            Subject = new ClaimsIdentity([new Claim("sub", "alice")]),
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(_signingKey, SecurityAlgorithms.RsaSha256),
        });
        var request = new HttpRequestMessage(HttpMethod.Get, "api/applications");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("X-Organization-Id", "acme");
        return _client.SendAsync(request);
    }

    [Fact]
    public async Task IsolatedRequest_EnvelopeWriterThrows_500InternalErrorProblemDenyAuditedNothingForwarded_TwinForwarded()
    {
        _envelopes.Throw = true;

        using (var refused = await SendAsync())
        {
            Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            using var json = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal("internal_error", json.RootElement.GetProperty("code").GetString());
        }

        Assert.Empty(_echo.Received);
        Assert.Contains(_logs.Entries, e => e.EventId.Id == 6002 && e.Message.Contains("code=\"internal_error\" reason=\"envelope_failed\"", StringComparison.Ordinal));
        Assert.DoesNotContain(_logs.Entries, e => e.EventId.Id is 6001 or 6003);
        Assert.DoesNotContain(_logs.Entries, e => e.Message.Contains("writer failed", StringComparison.Ordinal)); // the message is never logged

        _envelopes.Throw = false;
        using var allowed = await SendAsync();
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        var received = Assert.Single(_echo.Received);
        Assert.True(received.ContainsKey("X-Tenant-Context"));
    }

    private sealed class ThrowingEnvelopes
    {
        public bool Throw { get; set; }

        public IEnvelopeService Wrap(IEnvelopeService inner) => new Wrapper(this, inner);

        private sealed class Wrapper(ThrowingEnvelopes owner, IEnvelopeService inner) : IEnvelopeService
        {
            public bool HasKeyFor(string clusterId) => inner.HasKeyFor(clusterId);

            public string? GetEnvelope(TenantIsolationDecision decision, string clusterId, string requestId)
                => owner.Throw ? throw new CryptographicException("writer failed") : inner.GetEnvelope(decision, clusterId, requestId);
        }
    }
}
