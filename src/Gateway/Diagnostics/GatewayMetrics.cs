using System.Diagnostics.Metrics;

namespace Gateway.Diagnostics;

/// <summary>The gateway's <see cref="Meter"/> (<c>Gateway</c>): request outcomes, caches, STS calls and circuit state.</summary>
/// <remarks>
/// <c>gateway.requests</c> counts every request the gateway refuses (401/403/405 before the tenant pipeline, and every
/// tenant decision), by <c>outcome</c> = <c>allow</c> or a problem code. <see cref="InitializeSeries"/> publishes each
/// outcome and the STS failure counter at 0. <c>gateway.sts.duration</c> uses sub-second buckets (<see cref="StsDurationBuckets"/>).
/// </remarks>
internal sealed class GatewayMetrics : IDisposable
{
    public const string MeterName = "Gateway";

    /// <summary>Bucket boundaries (seconds) of <c>gateway.sts.duration</c>: AssumeRole takes tens to hundreds of ms; the Polly total timeout defaults to 6 s.</summary>
    public static readonly IReadOnlyList<double> StsDurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _credentialHits;
    private readonly Counter<long> _credentialMisses;
    private readonly Counter<long> _credentialRefreshes;
    private readonly Counter<long> _membershipHits;
    private readonly Counter<long> _membershipMisses;
    private readonly Counter<long> _stsCalls;
    private readonly Counter<long> _stsFailures;
    private readonly Histogram<double> _stsDuration;
    private readonly KeyValuePair<string, object?>[][] _outcomeTags;
    private int _seriesInitialized;
    private Func<int>? _circuitState;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("gateway.requests", "{request}", "Tenant-isolated requests by outcome (allow or a problem code).");
        _credentialHits = _meter.CreateCounter<long>("gateway.credentials.cache.hits", "{lookup}", "Credential cache hits.");
        _credentialMisses = _meter.CreateCounter<long>("gateway.credentials.cache.misses", "{lookup}", "Credential cache misses (callers waited for STS).");
        _credentialRefreshes = _meter.CreateCounter<long>("gateway.credentials.cache.refreshes", "{refresh}", "Background refresh-ahead starts.");
        _membershipHits = _meter.CreateCounter<long>("gateway.membership.cache.hits", "{lookup}", "Membership cache hits.");
        _membershipMisses = _meter.CreateCounter<long>("gateway.membership.cache.misses", "{lookup}", "Membership cache misses.");
        _stsCalls = _meter.CreateCounter<long>("gateway.sts.calls", "{call}", "AssumeRole calls (after resilience: one per logical call).");
        _stsFailures = _meter.CreateCounter<long>("gateway.sts.failures", "{call}", "AssumeRole calls that failed after retries.");
        _stsDuration = _meter.CreateHistogram(
            "gateway.sts.duration",
            "s",
            "AssumeRole latency including retries.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StsDurationBuckets });
        _meter.CreateObservableGauge("gateway.sts.circuit.state", () => _circuitState?.Invoke() ?? 0, "{state}", "STS circuit: 0 closed, 1 open, 2 half-open, 3 isolated.");

        var outcomes = Enum.GetValues<Hosting.GatewayProblem>();
        _outcomeTags = new KeyValuePair<string, object?>[outcomes.Length][];
        foreach (var outcome in outcomes)
        {
            var name = outcome == Hosting.GatewayProblem.None ? "allow" : Hosting.ProblemWriter.Code(outcome);
            _outcomeTags[(int)outcome] = [new KeyValuePair<string, object?>("outcome", name)];
        }
    }

    /// <summary>Records 0 for every outcome of <c>gateway.requests</c> and for <c>gateway.sts.failures</c> (once), so the series exist before the first failure.</summary>
    public void InitializeSeries()
    {
        if (Interlocked.Exchange(ref _seriesInitialized, 1) == 1)
        {
            return;
        }

        foreach (var tags in _outcomeTags)
        {
            _requests.Add(0, tags);
        }

        _stsCalls.Add(0);
        _stsFailures.Add(0);
    }

    public void Request(Hosting.GatewayProblem outcome) => _requests.Add(1, _outcomeTags[(int)outcome]);

    public void CredentialCacheHit() => _credentialHits.Add(1);

    public void CredentialCacheMiss() => _credentialMisses.Add(1);

    public void CredentialRefresh() => _credentialRefreshes.Add(1);

    public void MembershipCacheHit() => _membershipHits.Add(1);

    public void MembershipCacheMiss() => _membershipMisses.Add(1);

    public void StsCall(TimeSpan duration, bool succeeded)
    {
        _stsCalls.Add(1);
        _stsDuration.Record(duration.TotalSeconds);
        if (!succeeded)
        {
            _stsFailures.Add(1);
        }
    }

    public void ObserveCircuitState(Func<int> state) => _circuitState = state;

    public void Dispose() => _meter.Dispose();
}
