using System.Diagnostics.Metrics;
using Gateway.Diagnostics;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Gateway.Authentication;

/// <summary>
/// Fetches the authority's discovery document and JWKS every
/// <see cref="GatewayAuthenticationOptions.SigningKeyRefreshInterval"/> itself — through JwtBearer's backchannel and
/// metadata address, and blocking, so that a failure is seen (IdentityModel's own non-blocking refresh swallows errors and
/// keeps returning the old configuration) — publishes the signing keys to the <see cref="ValidatedTokenCache"/>, which
/// drops tokens verified with a key that is no longer listed, asks JwtBearer's configuration manager to refresh too, and
/// records the success in <see cref="SigningKeyFreshness"/>. A failed fetch is logged (warning 1040) and counted
/// (<c>gateway.authentication.jwks_refresh_failures</c>) and retried at the next interval; past
/// <see cref="GatewayAuthenticationOptions.MaxSigningKeyStaleness"/> without a success every token is refused.
/// </summary>
internal sealed partial class SigningKeyRefresher : BackgroundService
{
    private readonly IOptionsMonitor<JwtBearerOptions> _jwtOptions;
    private readonly GatewayAuthenticationOptions _options;
    private readonly ValidatedTokenCache _cache;
    private readonly SigningKeyFreshness _freshness;
    private readonly TimeProvider _time;
    private readonly ILogger<SigningKeyRefresher> _logger;
    private readonly IDocumentRetriever? _retriever;
    private readonly Counter<long> _failures;

    public SigningKeyRefresher(
        IOptionsMonitor<JwtBearerOptions> jwtOptions,
        IOptions<GatewayAuthenticationOptions> options,
        ValidatedTokenCache cache,
        SigningKeyFreshness freshness,
        TimeProvider time,
        IMeterFactory meters,
        ILogger<SigningKeyRefresher> logger,
        IDocumentRetriever? retriever = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        _jwtOptions = jwtOptions;
        _options = options.Value;
        _cache = cache;
        _freshness = freshness;
        _time = time;
        _logger = logger;
        _retriever = retriever;
        _failures = meters.Create(GatewayMetrics.MeterName).CreateCounter<long>(FailuresInstrument, "{fetch}", "Failed fetches of the authority's discovery document or JWKS.");
    }

    public const string FailuresInstrument = "gateway.authentication.jwks_refresh_failures";

    /// <summary>JwtBearer's <c>RefreshInterval</c> for a refresh every <paramref name="interval"/>: half of it, 1–30 s.</summary>
    public static TimeSpan MinimumGap(TimeSpan interval)
        => TimeSpan.FromTicks(Math.Clamp(interval.Ticks / 2, TimeSpan.TicksPerSecond, 30 * TimeSpan.TicksPerSecond));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var jwt = _jwtOptions.Get(JwtBearerDefaults.AuthenticationScheme);
        if (jwt.ConfigurationManager is null || string.IsNullOrEmpty(jwt.MetadataAddress))
        {
            return;
        }

        var retriever = _retriever ?? new HttpDocumentRetriever(jwt.Backchannel) { RequireHttps = jwt.RequireHttpsMetadata };
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(jwt, retriever, first, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            first = false;
            try
            {
                await Task.Delay(_options.SigningKeyRefreshInterval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One fetch: true when it succeeded (keys published, freshness recorded).</summary>
    internal async Task<bool> RefreshAsync(JwtBearerOptions jwt, IDocumentRetriever retriever, bool first, CancellationToken cancellationToken)
    {
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await OpenIdConnectConfigurationRetriever.GetAsync(jwt.MetadataAddress, retriever, cancellationToken).ConfigureAwait(false);
            if (configuration.SigningKeys.Count == 0)
            {
                throw new InvalidOperationException("The authority's JWKS lists no signing keys.");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // any failure to fetch keeps the last key set until MaxSigningKeyStaleness; the next interval tries again
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var failures = _freshness.Failed();
            _failures.Add(1);
            Log.RefreshFailed(_logger, ex.GetType().Name, failures, _freshness.LastSuccess, _options.MaxSigningKeyStaleness);
            return false;
        }

        var dropped = _cache.UpdateSigningKeys(configuration.SigningKeys);
        if (dropped > 0)
        {
            Log.Withdrawn(_logger, dropped);
        }

        _freshness.Fetched();

        // JwtBearer validates with its own configuration manager: have it fetch the new key set as well.
        if (!first)
        {
            jwt.ConfigurationManager!.RequestRefresh();
        }

        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1040, Level = LogLevel.Warning, Message = "Could not fetch the authority's signing keys ({ExceptionType}, {Failures} in a row); keeping the key set fetched at {LastSuccess:O}, tokens are refused once it is older than {MaxStaleness}")]
        public static partial void RefreshFailed(ILogger logger, string exceptionType, long failures, DateTimeOffset lastSuccess, TimeSpan maxStaleness);

        [LoggerMessage(EventId = 1041, Level = LogLevel.Information, Message = "The authority withdrew a signing key: {Dropped} cached tokens verified with it were dropped")]
        public static partial void Withdrawn(ILogger logger, int dropped);
    }
}
