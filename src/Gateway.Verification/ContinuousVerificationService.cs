using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Verification;

/// <summary>
/// Continuous verification: when <c>TenantIsolation:Verification:Interval</c> is set, runs the <c>verify</c> plan with
/// the same <see cref="IVerificationRunner"/> once at start-up (unless <c>RunAtStartup</c> is false) and then every
/// interval (one run at a time: a tick that falls during a run is taken when it ends). A run with a failed check, or one that throws, is a failed run:
/// counted (<c>gateway.isolation.verification.failures</c>) and logged as Critical; it never stops the host or the schedule.
/// A run where every check passed sets <c>gateway.isolation.verification.last_success_timestamp</c>.
/// </summary>
#pragma warning disable CA1873 // every call with a computed argument is guarded by an explicit IsEnabled check
internal sealed partial class ContinuousVerificationService : BackgroundService
{
    private readonly IVerificationRunner _runner;
    private readonly TenantIsolationOptions _options;
    private readonly IsolationMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ContinuousVerificationService> _logger;
    private VerificationPlan? _plan;
    private PeriodicTimer? _timer;

    public ContinuousVerificationService(IVerificationRunner runner, IOptions<TenantIsolationOptions> options, IsolationMetrics metrics, TimeProvider time, ILogger<ContinuousVerificationService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _runner = runner;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>Creates the schedule (the next run is due one interval after this call), then starts the loop.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var verification = _options.Verification;
        if (verification.Enabled)
        {
            _plan = verification.Organizations.Count == 2
                ? VerificationPlan.Create(_options, verification.Organizations[0], verification.Organizations[1])
                : VerificationPlan.Create(_options);
            _timer = new PeriodicTimer(verification.Interval, _time);
            if (_logger.IsEnabled(LogLevel.Information))
            {
                Log.Scheduled(_logger, verification.Interval, string.Join(",", _plan.Organizations), verification.RunAtStartup ? "now" : "after one interval");
            }
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_timer is null || _plan is null)
        {
            return;
        }

        try
        {
            if (_options.Verification.RunAtStartup)
            {
                await Task.Yield(); // never on the host's start-up path
                await RunOnceAsync(_plan, stoppingToken).ConfigureAwait(false);
            }

            while (await _timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await RunOnceAsync(_plan, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
    }

    public override void Dispose()
    {
        _timer?.Dispose();
        base.Dispose();
    }

    /// <summary>One run: outcome recorded and logged; exceptions other than shutdown are a failed run.</summary>
    internal async Task RunOnceAsync(VerificationPlan plan, CancellationToken cancellationToken)
    {
        VerificationReport report;
        try
        {
            report = await _runner.RunAsync(plan, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _metrics.VerificationFailed();
            if (_logger.IsEnabled(LogLevel.Critical))
            {
                Log.RunFailed(_logger, ex.GetType().Name);
            }

            return;
        }

        if (report.Failed > 0)
        {
            _metrics.VerificationFailed();
            if (_logger.IsEnabled(LogLevel.Critical))
            {
                var failed = report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name} (expected {c.Expected}, observed {c.Observed})");
                Log.ChecksFailed(_logger, report.Failed, report.Checks.Count, string.Join("; ", failed));
            }

            return;
        }

        _metrics.VerificationSucceeded(_time.GetUtcNow());
        Log.Passed(_logger, report.Checks.Count);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = IsolationLogEvents.VerificationChecksFailed, Level = LogLevel.Critical, Message = "Continuous verification failed: {FailedCount} of {CheckCount} checks failed: {FailedChecks}")]
        public static partial void ChecksFailed(ILogger logger, int failedCount, int checkCount, string failedChecks);

        [LoggerMessage(EventId = IsolationLogEvents.VerificationRunFailed, Level = LogLevel.Critical, Message = "Continuous verification run failed: {ExceptionType}; next run at the next interval")]
        public static partial void RunFailed(ILogger logger, string exceptionType);

        [LoggerMessage(EventId = IsolationLogEvents.VerificationPassed, Level = LogLevel.Information, Message = "Continuous verification passed: {CheckCount} checks")]
        public static partial void Passed(ILogger logger, int checkCount);

        [LoggerMessage(EventId = IsolationLogEvents.VerificationScheduled, Level = LogLevel.Information, Message = "Continuous verification every {Interval} with canary organizations {Organizations}; first run {FirstRun}")]
        public static partial void Scheduled(ILogger logger, TimeSpan interval, string organizations, string firstRun);
    }
}
#pragma warning restore CA1873
