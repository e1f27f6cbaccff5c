using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Gateway.Authentication;

/// <summary>
/// Fetches the authority's discovery document and JWKS again every
/// <see cref="GatewayAuthenticationOptions.SigningKeyRefreshInterval"/> through JwtBearer's own configuration manager
/// (so validation sees the new key set too) and publishes the signing keys to the <see cref="ValidatedTokenCache"/>,
/// which drops tokens verified with a key that is no longer listed. A withdrawn key is therefore refused within one
/// interval (plus the fetch), whether or not its tokens were cached. A failed fetch keeps the last key set (JwtBearer
/// does the same) and is retried at the next interval.
/// </summary>
internal sealed partial class SigningKeyRefresher(
    IOptionsMonitor<JwtBearerOptions> jwtOptions,
    IOptions<GatewayAuthenticationOptions> options,
    ValidatedTokenCache cache,
    TimeProvider time,
    ILogger<SigningKeyRefresher> logger) : BackgroundService
{
    /// <summary>JwtBearer's <c>RefreshInterval</c> for a refresh every <paramref name="interval"/>: half of it, 1–30 s.</summary>
    public static TimeSpan MinimumGap(TimeSpan interval)
        => TimeSpan.FromTicks(Math.Clamp(interval.Ticks / 2, TimeSpan.TicksPerSecond, 30 * TimeSpan.TicksPerSecond));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var manager = jwtOptions.Get(JwtBearerDefaults.AuthenticationScheme).ConfigurationManager;
        if (manager is null)
        {
            return;
        }

        var interval = options.Value.SigningKeyRefreshInterval;
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!first)
                {
                    manager.RequestRefresh();
                }

                var configuration = await manager.GetConfigurationAsync(stoppingToken).ConfigureAwait(false);
                Publish(configuration);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // an unreachable authority keeps the last key set; the next interval tries again
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.RefreshFailed(logger, ex.GetType().Name);
            }

            first = false;
            try
            {
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Publish(OpenIdConnectConfiguration configuration)
    {
        var dropped = cache.UpdateSigningKeys(configuration.SigningKeys);
        if (dropped > 0)
        {
            Log.Withdrawn(logger, dropped);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1040, Level = LogLevel.Warning, Message = "Could not refresh the authority's signing keys ({ExceptionType}); keeping the last key set")]
        public static partial void RefreshFailed(ILogger logger, string exceptionType);

        [LoggerMessage(EventId = 1041, Level = LogLevel.Information, Message = "The authority withdrew a signing key: {Dropped} cached tokens verified with it were dropped")]
        public static partial void Withdrawn(ILogger logger, int dropped);
    }
}
