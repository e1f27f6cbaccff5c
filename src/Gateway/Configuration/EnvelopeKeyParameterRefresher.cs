using Gateway.Diagnostics;
using Gateway.Isolation;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Gateway.Configuration;

/// <summary>
/// Drives the reload of <see cref="EnvelopeOptions"/>: when the configuration changes it first reads the envelope keys
/// configured as SSM parameters (the names as configured now, so a key moved to a new parameter is read before the
/// new settings are validated), and it reads them again every <see cref="ForwardingOptions.EnvelopeKeyRefreshInterval"/>.
/// Each configuration change, and each changed parameter value, then reloads <see cref="EnvelopeOptions"/> through
/// <see cref="EnvelopeKeyParameters"/>' change token (validated first; an invalid key is refused and the previous one
/// stays). A failed read is logged (8102, naming the parameter, never a value): the envelope settings are not reloaded
/// and the keys in force stay until a read succeeds.
/// </summary>
internal sealed partial class EnvelopeKeyParameterRefresher(
    IConfiguration configuration,
    EnvelopeKeyParameterResolver resolver,
    EnvelopeKeyParameters parameters,
    IOptions<ForwardingOptions> forwarding,
    TimeProvider time,
    ILogger<EnvelopeKeyParameterRefresher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>A configuration change not applied yet (its parameters could not be read); guarded by <see cref="_gate"/>.</summary>
    private bool _pending;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var onChange = ChangeToken.OnChange(configuration.GetReloadToken, () => _ = RefreshAsync(configurationChanged: true, stoppingToken));
        var interval = forwarding.Value.EnvelopeKeyRefreshInterval;
        if (interval <= TimeSpan.Zero)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, stoppingToken).ContinueWith(static _ => { }, TaskScheduler.Default);
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RefreshAsync(configurationChanged: false, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// One read of the parameters; reloads the envelope settings when the configuration changed or a value did.
    /// Internal for tests.
    /// </summary>
    internal async Task RefreshAsync(bool configurationChanged, CancellationToken cancellationToken)
    {
        try
        {
            await _gate.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            _pending |= configurationChanged;
            var version = parameters.Version;
            try
            {
                await resolver.ResolveAsync(cancellationToken);
            }
            catch (GatewayStartupException e)
            {
                // Not applied: a configuration naming a parameter that cannot be read would leave the cluster without a
                // key. The change stays pending until a read succeeds.
                LogRefreshFailed(logger, e.Message);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (_pending || parameters.Version != version)
            {
                _pending = false;
                parameters.SignalChange();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(EventId = LogEvents.EnvelopeKeyParameterRefreshFailed, EventName = "EnvelopeKeyParameterRefreshFailed", Level = LogLevel.Error,
        Message = "Envelope key parameters could not be read again; the keys read before stay in force: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, string reason);
}
