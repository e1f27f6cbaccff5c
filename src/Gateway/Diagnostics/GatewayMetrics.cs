using System.Diagnostics.Metrics;

namespace Gateway.Diagnostics;

/// <summary>The gateway's <see cref="Meter"/> (<c>Gateway</c>): request outcomes, caches, STS calls and circuit state.</summary>
internal sealed class GatewayMetrics : IDisposable
{
    public const string MeterName = "Gateway";

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
        _stsDuration = _meter.CreateHistogram<double>("gateway.sts.duration", "s", "AssumeRole latency including retries.");
        _meter.CreateObservableGauge("gateway.sts.circuit.state", () => _circuitState?.Invoke() ?? 0, "{state}", "STS circuit: 0 closed, 1 open, 2 half-open, 3 isolated.");

        var outcomes = Enum.GetValues<Hosting.GatewayProblem>();
        _outcomeTags = new KeyValuePair<string, object?>[outcomes.Length][];
        foreach (var outcome in outcomes)
        {
            var name = outcome == Hosting.GatewayProblem.None ? "allow" : Hosting.ProblemWriter.Code(outcome);
            _outcomeTags[(int)outcome] = [new KeyValuePair<string, object?>("outcome", name)];
        }
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
