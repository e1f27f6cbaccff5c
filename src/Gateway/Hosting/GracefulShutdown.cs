using Gateway.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>
/// The gateway's shutdown sequence (<see cref="ShutdownOptions"/>). On SIGTERM (the host's <c>ApplicationStopping</c>)
/// the <c>shutdown</c> readiness check turns Unhealthy, so <c>/readyz</c> answers 503 at once while <c>/healthz</c> stays
/// 200, and <see cref="DrainConnectionMiddleware"/> adds <c>Connection: close</c> to every HTTP/1.x response. The host
/// calls <see cref="StoppingAsync"/> before it stops any hosted service: it waits <see cref="ShutdownOptions.DrainDelay"/>
/// while Kestrel keeps accepting and serving. Then the host stops Kestrel (the web host service stops first): no new
/// connections, requests in flight finish within what is left of the host's shutdown timeout
/// (<see cref="ShutdownOptions.Timeout"/>), then the other services stop and the process exits 0. Each phase is one log line.
/// </summary>
internal sealed partial class GracefulShutdown(
    IHostApplicationLifetime lifetime,
    IOptions<ShutdownOptions> options,
    TimeProvider timeProvider,
    ILogger<GracefulShutdown> logger) : IHostedLifecycleService, IHealthCheck
{
    private long _stoppingSince;

    /// <summary>True from SIGTERM (or any other stop request) on.</summary>
    public bool IsDraining => lifetime.ApplicationStopping.IsCancellationRequested;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(OnStopping);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The drain: the host calls this before it stops Kestrel, so the port stays open for the delay.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var drainDelay = options.Value.DrainDelay;
        if (drainDelay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(drainDelay, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The host's own stop token: stop draining, go on stopping.
            }
        }

        var elapsedMs = Elapsed();
        Log.StopAccepting(logger, elapsedMs, options.Value.Timeout);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Every hosted service, Kestrel first, has stopped; a cancelled token means the timeout cut requests off.</summary>
    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        var elapsedMs = Elapsed();
        if (cancellationToken.IsCancellationRequested)
        {
            Log.TimedOut(logger, elapsedMs, options.Value.Timeout);
        }
        else
        {
            Log.Stopped(logger, elapsedMs);
        }

        return Task.CompletedTask;
    }

    /// <summary>The <c>shutdown</c> readiness check: Unhealthy ("draining") from SIGTERM on, so /readyz answers 503.</summary>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(IsDraining
            ? HealthCheckResult.Unhealthy("draining: the gateway is shutting down")
            : HealthCheckResult.Healthy("serving"));

    private void OnStopping()
    {
        Interlocked.CompareExchange(ref _stoppingSince, timeProvider.GetTimestamp(), 0);
        Log.Draining(logger, options.Value.DrainDelay, options.Value.Timeout);
    }

    private long Elapsed()
    {
        var since = Interlocked.Read(ref _stoppingSince);
        return since == 0 ? 0 : (long)timeProvider.GetElapsedTime(since).TotalMilliseconds;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.ShutdownDraining, EventName = "ShutdownDraining", Level = LogLevel.Information,
            Message = "Shutdown requested: /readyz answers 503, responses carry Connection: close; serving for the drain delay {DrainDelay}, then in-flight requests get up to {Timeout}")]
        public static partial void Draining(ILogger logger, TimeSpan drainDelay, TimeSpan timeout);

        [LoggerMessage(EventId = LogEvents.ShutdownStopAccepting, EventName = "ShutdownStopAccepting", Level = LogLevel.Information,
            Message = "Drain delay over after {ElapsedMs} ms: no longer accepting connections; requests in flight get up to {Timeout}")]
        public static partial void StopAccepting(ILogger logger, long elapsedMs, TimeSpan timeout);

        [LoggerMessage(EventId = LogEvents.ShutdownStopped, EventName = "ShutdownStopped", Level = LogLevel.Information,
            Message = "Shutdown complete {ElapsedMs} ms after the stop request: every request in flight finished")]
        public static partial void Stopped(ILogger logger, long elapsedMs);

        [LoggerMessage(EventId = LogEvents.ShutdownTimedOut, EventName = "ShutdownTimedOut", Level = LogLevel.Warning,
            Message = "Shutdown complete {ElapsedMs} ms after the stop request: Shutdown:Timeout {Timeout} ended, requests still in flight were aborted")]
        public static partial void TimedOut(ILogger logger, long elapsedMs, TimeSpan timeout);
    }
}
