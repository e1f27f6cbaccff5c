using System.Security.Cryptography;
using Gateway.Authentication;
using Gateway.Testing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Authentication;

/// <summary>
/// <see cref="SigningKeyRefresher"/> with a JWKS endpoint that fails (a fake document retriever) and a fake clock: a failed
/// fetch is seen, logged and counted, and past <c>MaxSigningKeyStaleness</c> tokens are refused (503) and /readyz is unhealthy.
/// </summary>
public sealed class SigningKeyRefresherTests : IDisposable
{
    private const string Metadata = "https://login.example.com/.well-known/openid-configuration";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeLogger<SigningKeyRefresher> _logger = new();
    private readonly TestMeterFactory _meters = new();
    private readonly Retriever _retriever = new();
    private readonly GatewayAuthenticationOptions _options = new()
    {
        Authority = new Uri("https://login.example.com/"),
        SigningKeyRefreshInterval = TimeSpan.FromMinutes(1),
        MaxSigningKeyStaleness = TimeSpan.FromMinutes(10),
    };

    private readonly JwtBearerOptions _jwt = new() { MetadataAddress = Metadata };
    private readonly SigningKeyFreshness _freshness;
    private readonly ValidatedTokenCache _cache;
    private readonly SigningKeyRefresher _refresher;

    public SigningKeyRefresherTests()
    {
        _jwt.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(Metadata, new OpenIdConnectConfigurationRetriever(), _retriever);
        _freshness = new SigningKeyFreshness(Options.Create(_options), _time);
        _cache = new ValidatedTokenCache(Options.Create(_options), _time);
        _refresher = new SigningKeyRefresher(new Monitor(_jwt), Options.Create(_options), _cache, _freshness, _time, _meters, _logger, _retriever);
    }

    [Fact]
    public async Task RefreshAsync_JwksUnreachable_LoggedCountedAndStalePastTheBound()
    {
        using var failures = new MetricCollector<long>(_meters, Gateway.Diagnostics.GatewayMetrics.MeterName, SigningKeyRefresher.FailuresInstrument);
        Assert.True(await _refresher.RefreshAsync(_jwt, _retriever, first: true, CancellationToken.None));
        _retriever.Fail = true;

        for (var minute = 1; minute <= 10; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            Assert.False(await _refresher.RefreshAsync(_jwt, _retriever, first: false, CancellationToken.None));
        }

        Assert.Equal(10, _logger.Collector.GetSnapshot().Count(r => r.Id.Id == 1040 && r.Level == LogLevel.Warning));
        Assert.Equal(10, failures.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.False(_freshness.IsStale); // exactly MaxSigningKeyStaleness since the last success: still accepted
        Assert.Equal(HealthStatus.Healthy, (await _freshness.CheckHealthAsync(new HealthCheckContext())).Status);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(_freshness.IsStale);
        Assert.Equal(HealthStatus.Unhealthy, (await _freshness.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, await ChallengeStatusAsync());

        // The twin: the authority answers again → fresh, tokens go through validation again.
        _retriever.Fail = false;
        Assert.True(await _refresher.RefreshAsync(_jwt, _retriever, first: false, CancellationToken.None));
        Assert.False(_freshness.IsStale);
        Assert.Equal(StatusCodes.Status401Unauthorized, await ChallengeStatusAsync());
    }

    /// <summary>
    /// What the pipeline does with a bearer request: JwtBearer's message-received event, then — not authenticated — the
    /// authorization challenge, written by <see cref="ProblemAuthorizationResultHandler"/>: the status written.
    /// </summary>
    private async Task<int> ChallengeStatusAsync()
    {
        var options = new JwtBearerOptions();
        new JwtBearerOptionsSetup(Options.Create(_options), _cache, _freshness).Configure(JwtBearerDefaults.AuthenticationScheme, options);
        var http = new DefaultHttpContext { RequestServices = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(new Microsoft.Extensions.DependencyInjection.ServiceCollection()) };
        http.Request.Headers.Authorization = "Bearer not-a-cached-token";
        http.Response.Body = new MemoryStream();
        var scheme = new AuthenticationScheme(JwtBearerDefaults.AuthenticationScheme, null, typeof(JwtBearerHandler));
        var received = new MessageReceivedContext(http, scheme, options);
        await options.Events.MessageReceived(received);
        if (received.Result is { Succeeded: true })
        {
            return StatusCodes.Status200OK;
        }

        var refusals = new Gateway.Auditing.RefusalAuditor(new Gateway.Auditing.AuditLogger(new CapturingLoggerProvider(), TestOptions.Wrap(new Gateway.Auditing.AuditOptions())), new Gateway.Diagnostics.GatewayMetrics(_meters), _time);
        await new ProblemAuthorizationResultHandler(refusals).HandleAsync(
            _ => Task.CompletedTask, http, new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build(),
            Microsoft.AspNetCore.Authorization.Policy.PolicyAuthorizationResult.Challenge());
        return http.Response.StatusCode;
    }

    public void Dispose()
    {
        _cache.Dispose();
        _meters.Dispose();
    }

    private sealed class Monitor(JwtBearerOptions value) : IOptionsMonitor<JwtBearerOptions>
    {
        public JwtBearerOptions CurrentValue => value;

        public JwtBearerOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<JwtBearerOptions, string?> listener) => null;
    }

    /// <summary>Discovery and JWKS of one RSA key, or an HTTP failure while <see cref="Fail"/> is set.</summary>
    private sealed class Retriever : IDocumentRetriever
    {
        private static readonly RSAParameters Key = RSA.Create(2048).ExportParameters(false);

        public volatile bool Fail;

        public Task<string> GetDocumentAsync(string address, CancellationToken cancel)
        {
            if (Fail)
            {
                throw new IOException("IDX20807: Unable to retrieve document from: '" + address + "'. Status Code: 503.");
            }

            return Task.FromResult(address == Metadata
                ? """{"issuer":"https://login.example.com","jwks_uri":"https://login.example.com/jwks"}"""
                : $$"""{"keys":[{"kty":"RSA","use":"sig","kid":"k1","n":"{{Base64UrlEncoder.Encode(Key.Modulus)}}","e":"{{Base64UrlEncoder.Encode(Key.Exponent)}}"}]}""");
        }
    }
}
