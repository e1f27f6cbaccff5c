using System.Collections.Concurrent;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Verification;
using Gateway.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.Verification;

public sealed class ContinuousVerificationServiceTests : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly TestMeterFactory _meters = new();
    private readonly FakeRunner _runner = new();
    private readonly RecordingLogger _logger = new();
    private readonly TenantIsolationOptions _options = TestOptions.Valid();
    private IsolationMetrics? _metrics;
    private MetricCollector<long>? _failures;
    private MetricCollector<double>? _lastSuccess;
    private ContinuousVerificationService? _service;

    /// <summary>Starts the service; the first run one interval later unless <paramref name="runAtStartup"/> (the default option) is asked for.</summary>
    private async Task<ContinuousVerificationService> StartAsync(TimeSpan interval, bool runAtStartup = false)
    {
        _options.Verification.Interval = interval;
        _options.Verification.RunAtStartup = runAtStartup;
        _metrics = new IsolationMetrics(_meters, TestOptions.Wrap(_options));
        var meter = _meters.Meters.Single();
        _failures = new MetricCollector<long>(meter, "gateway.isolation.verification.failures");
        _lastSuccess = new MetricCollector<double>(meter, "gateway.isolation.verification.last_success_timestamp");
        _service = new ContinuousVerificationService(_runner, TestOptions.Wrap(_options), _metrics, _time, _logger);
        await _service.StartAsync(CancellationToken.None);
        return _service;
    }

    private long Failures => _failures!.GetMeasurementSnapshot().Sum(m => m.Value);

    private double? LastSuccess()
    {
        _lastSuccess!.RecordObservableInstruments();
        return _lastSuccess.LastMeasurement?.Value;
    }

    private static VerificationReport Report(params bool[] passed)
        => new([.. passed.Select((p, i) => new VerificationCheck($"check {i}", "AccessDenied", p ? "AccessDenied" : "allowed", p))]);

    /// <summary>Advances one interval and waits (hang guard only) until the run it starts has been recorded and logged.</summary>
    private async Task RunOneIntervalAsync()
    {
        var outcomes = _logger.Outcomes;
        _time.Advance(Interval);
        await _logger.WaitForOutcomeAsync(outcomes + 1).WaitAsync(HangGuard);
    }

    [Fact]
    public async Task ExecuteAsync_IntervalUnset_NeverRuns()
    {
        var service = await StartAsync(TimeSpan.Zero);
        _time.Advance(TimeSpan.FromDays(1));

        await service.ExecuteTask!.WaitAsync(HangGuard); // the loop ended: nothing is scheduled
        Assert.Equal(0, _runner.Calls);
        Assert.Empty(_failures!.GetMeasurementSnapshot());
        Assert.Null(LastSuccess());
    }

    [Fact]
    public async Task ExecuteAsync_Enabled_RunsOnceEveryInterval()
    {
        _runner.Enqueue(Report(true), Report(true));
        await StartAsync(Interval);

        _time.Advance(Interval - TimeSpan.FromSeconds(1));
        Assert.Equal(0, _runner.Calls);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _logger.WaitForOutcomeAsync(1).WaitAsync(HangGuard);
        Assert.Equal(1, _runner.Calls);

        await RunOneIntervalAsync();

        Assert.Equal(2, _runner.Calls);
        Assert.Equal(["zz-verify-a", "zz-verify-b"], _runner.Plans[0].Organizations);
    }

    [Fact]
    public async Task ExecuteAsync_Default_RunsAtStartUpThenEveryInterval()
    {
        Assert.True(new VerificationOptions().RunAtStartup);
        _runner.Enqueue(Report(true), Report(false), Report(true));
        _options.Verification.Interval = Interval;
        _metrics = new IsolationMetrics(_meters, TestOptions.Wrap(_options));
        var meter = _meters.Meters.Single();
        _failures = new MetricCollector<long>(meter, "gateway.isolation.verification.failures");
        _lastSuccess = new MetricCollector<double>(meter, "gateway.isolation.verification.last_success_timestamp");
        _service = new ContinuousVerificationService(_runner, TestOptions.Wrap(_options), _metrics, _time, _logger);
        await _service.StartAsync(CancellationToken.None);

        // No time passes: the start-up run happens anyway and is recorded.
        await _logger.WaitForOutcomeAsync(1).WaitAsync(HangGuard);
        Assert.Equal(1, _runner.Calls);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds(), LastSuccess());

        _time.Advance(Interval - TimeSpan.FromSeconds(1));
        Assert.Equal(1, _runner.Calls);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _logger.WaitForOutcomeAsync(2).WaitAsync(HangGuard);
        Assert.Equal(2, _runner.Calls);
        Assert.Equal(1, Failures);

        await RunOneIntervalAsync();
        Assert.Equal(3, _runner.Calls);
    }

    [Fact]
    public async Task ExecuteAsync_RunAtStartupFalse_FirstRunAfterOneInterval()
    {
        _runner.Enqueue(Report(true));
        await StartAsync(Interval, runAtStartup: false);

        _time.Advance(Interval - TimeSpan.FromSeconds(1));
        await Task.Delay(200);
        Assert.Equal(0, _runner.Calls);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _logger.WaitForOutcomeAsync(1).WaitAsync(HangGuard);
        Assert.Equal(1, _runner.Calls);
    }

    [Fact]
    public async Task ExecuteAsync_ConfiguredOrganizations_AreThePlansCanaries()
    {
        _options.Verification.Organizations = ["canary-a", "canary-b"];
        _runner.Enqueue(Report(true));
        await StartAsync(Interval);

        await RunOneIntervalAsync();

        Assert.Equal(["canary-a", "canary-b"], _runner.Plans[0].Organizations);
    }

    [Fact]
    public async Task RunOnce_FailedCheck_CountsFailedRunAndLogsCriticalNamingTheCheck()
    {
        _runner.Enqueue(Report(true, false, false));
        await StartAsync(Interval);

        await RunOneIntervalAsync();

        Assert.Equal(1, Failures);
        Assert.Null(LastSuccess());
        var entry = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Critical);
        Assert.Equal(7001, entry.EventId.Id);
        Assert.Contains("check 1 (expected AccessDenied, observed allowed)", entry.Message, StringComparison.Ordinal);
        Assert.Contains("check 2", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("check 0", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunOnce_AllChecksPass_SetsLastSuccessTimestampAndCountsNothing()
    {
        _runner.Enqueue(Report(true, true));
        await StartAsync(Interval);

        await RunOneIntervalAsync();

        Assert.Equal(0, Failures);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds(), LastSuccess());
        Assert.DoesNotContain(_logger.Entries, e => e.Level == LogLevel.Critical);
    }

    [Fact]
    public async Task RunOnce_RunnerThrows_FailedRunAndNextRunStillHappens()
    {
        _runner.Enqueue(new InvalidOperationException("boom"), Report(true));
        var service = await StartAsync(Interval);

        await RunOneIntervalAsync();

        Assert.Equal(1, Failures);
        var entry = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Critical);
        Assert.Equal(7002, entry.EventId.Id);
        Assert.Contains(nameof(InvalidOperationException), entry.Message, StringComparison.Ordinal);
        Assert.False(service.ExecuteTask!.IsCompleted);

        var failedAt = _time.GetUtcNow();
        await RunOneIntervalAsync();

        Assert.Equal(2, _runner.Calls);
        Assert.Equal(1, Failures);
        Assert.Equal(failedAt.Add(Interval).ToUnixTimeSeconds(), LastSuccess());
    }

    [Fact]
    public async Task InitializeSeries_Enabled_PublishesFailuresAtZero()
    {
        await StartAsync(Interval);

        _metrics!.InitializeSeries();

        var measurement = Assert.Single(_failures!.GetMeasurementSnapshot());
        Assert.Equal(0, measurement.Value);
    }

    [Fact]
    public async Task InitializeSeries_Disabled_DoesNotPublishVerificationSeries()
    {
        await StartAsync(TimeSpan.Zero);

        _metrics!.InitializeSeries();

        Assert.Empty(_failures!.GetMeasurementSnapshot());
    }

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.StopAsync(CancellationToken.None);
            _service.Dispose();
        }

        _failures?.Dispose();
        _lastSuccess?.Dispose();
        _metrics?.Dispose();
        _meters.Dispose();
        _logger.Dispose();
    }

    private sealed class FakeRunner : IVerificationRunner
    {
        private readonly ConcurrentQueue<object> _outcomes = new();
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public ConcurrentQueue<VerificationPlan> PlanQueue { get; } = new();

        public VerificationPlan[] Plans => [.. PlanQueue];

        public void Enqueue(params object[] outcomes)
        {
            foreach (var outcome in outcomes)
            {
                _outcomes.Enqueue(outcome);
            }
        }

        public Task<VerificationReport> RunAsync(VerificationPlan plan, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            PlanQueue.Enqueue(plan);
            if (!_outcomes.TryDequeue(out var outcome))
            {
                throw new InvalidOperationException("no outcome queued");
            }

            return outcome is Exception ex ? Task.FromException<VerificationReport>(ex) : Task.FromResult((VerificationReport)outcome);
        }
    }

    private sealed record Entry(LogLevel Level, EventId EventId, string Message);

    /// <summary>Records entries; a run's outcome (event 7001, 7002 or 7003) is its last step, after the metrics.</summary>
    private sealed class RecordingLogger : ILogger<ContinuousVerificationService>, IDisposable
    {
        private readonly ConcurrentQueue<Entry> _entries = new();
        private readonly SemaphoreSlim _outcome = new(0);
        private int _outcomes;

        public Entry[] Entries => [.. _entries];

        public int Outcomes => Volatile.Read(ref _outcomes);

        public async Task WaitForOutcomeAsync(int count)
        {
            while (Outcomes < count)
            {
                await _outcome.WaitAsync();
            }
        }

        public void Dispose() => _outcome.Dispose();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            _entries.Enqueue(new Entry(logLevel, eventId, formatter(state, exception)));
            if (eventId.Id is 7001 or 7002 or 7003)
            {
                Interlocked.Increment(ref _outcomes);
                _outcome.Release();
            }
        }
    }
}
