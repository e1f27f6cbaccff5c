using System.Diagnostics.Metrics;
using Gateway.Isolation.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Diagnostics;

/// <summary>
/// The isolation engine's instruments: credential and membership caches, STS calls and circuit state. They live on the
/// <c>Gateway</c> meter (<see cref="MeterName"/>), the same meter as the web host's <c>gateway.requests</c>, so the
/// Prometheus output (metric names, labels and <c>otel_scope_name</c>) is what it was before the engine had its own assembly.
/// <see cref="InitializeSeries"/> publishes the STS call and failure counters and the shared-cache (L2) hit, miss and error counters at 0 (and, when continuous verification is
/// on, <c>gateway.isolation.verification.failures</c>); <c>gateway.sts.duration</c> uses sub-second buckets (<see cref="StsDurationBuckets"/>).
/// </summary>
public sealed class IsolationMetrics : IDisposable
{
    /// <summary>The meter name (shared with the web host's request counter).</summary>
    public const string MeterName = "Gateway";

    /// <summary>Bucket boundaries (seconds) of <c>gateway.sts.duration</c>: AssumeRole takes tens to hundreds of ms; the Polly total timeout defaults to 6 s.</summary>
    public static readonly IReadOnlyList<double> StsDurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <summary>The per-tier rate limit decision counter.</summary>
    public const string RateLimitDecisionsInstrument = "gateway.ratelimit.decisions";

    private readonly Meter _meter;
    private readonly Counter<long> _credentialHits;
    private readonly Counter<long> _credentialMisses;
    private readonly Counter<long> _credentialRefreshes;
    private readonly Counter<long> _credentialsRejected;
    private readonly Counter<long> _membershipHits;
    private readonly Counter<long> _membershipMisses;
    private readonly Counter<long> _l2Hits;
    private readonly Counter<long> _l2Misses;
    private readonly Counter<long> _l2Errors;
    private readonly Counter<long> _stsCalls;
    private readonly Counter<long> _stsFailures;
    private readonly Histogram<double> _stsDuration;
    private readonly Histogram<double> _stageDuration;
    private readonly Counter<long> _verificationFailures;
    private readonly Counter<long> _rateLimitDecisions;
    private readonly Counter<long> _credentialsRevoked;
    private readonly Counter<long> _revocationReads;
    private Func<int>? _rateLimitFallback;
    private readonly bool _verificationEnabled;
    private int _seriesInitialized;
    private Func<int>? _circuitState;
    private double _lastVerificationSuccess = double.NaN;

    public IsolationMetrics(IMeterFactory meterFactory, IOptions<TenantIsolationOptions>? options = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _verificationEnabled = options?.Value.Verification.Enabled ?? false;
        _meter = meterFactory.Create(MeterName);
        _credentialHits = _meter.CreateCounter<long>("gateway.credentials.cache.hits", "{lookup}", "Credential cache hits.");
        _credentialMisses = _meter.CreateCounter<long>("gateway.credentials.cache.misses", "{lookup}", "Credential cache misses (callers waited for STS).");
        _credentialRefreshes = _meter.CreateCounter<long>("gateway.credentials.cache.refreshes", "{refresh}", "Background refresh-ahead starts.");
        _credentialsRejected = _meter.CreateCounter<long>("gateway.credentials.rejected", "{report}", "Backend reports that the data store rejected a credential set (X-Tenant-Credentials-Rejected), by outcome: dropped (re-minted), cooldown (the key's set was dropped less than Cache:RejectionCooldown ago), superseded (a newer set was already cached).");
        _credentialsRevoked = _meter.CreateCounter<long>("gateway.credentials.revoked", "{set}", "Cached credential sets refused because the gateway requested them before a revocation's cut-off (tenant-revocations), by tier (l1, l2); the request got a set issued after it.");
        _revocationReads = _meter.CreateCounter<long>("gateway.revocations.reads", "{read}", "Reads of a tenant role's tenant-revocations inline policy by result (ok, access_denied: the gateway lacks iam:GetRolePolicy, failed).");
        _membershipHits = _meter.CreateCounter<long>("gateway.membership.cache.hits", "{lookup}", "Membership cache hits.");
        _membershipMisses = _meter.CreateCounter<long>("gateway.membership.cache.misses", "{lookup}", "Membership cache misses.");
        _l2Hits = _meter.CreateCounter<long>("gateway.cache.l2.hits", "{lookup}", "Shared (Redis) cache reads that found a usable entry.");
        _l2Misses = _meter.CreateCounter<long>("gateway.cache.l2.misses", "{lookup}", "Shared (Redis) cache reads without a usable entry (absent, expired or failing authentication).");
        _l2Errors = _meter.CreateCounter<long>("gateway.cache.l2.errors", "{operation}", "Shared (Redis) cache operations that failed or timed out (the request went on with L1 + STS).");
        _stsCalls = _meter.CreateCounter<long>("gateway.sts.calls", "{call}", "AssumeRole calls (after resilience: one per logical call).");
        _stsFailures = _meter.CreateCounter<long>("gateway.sts.failures", "{call}", "AssumeRole calls that failed after retries.");
        _stsDuration = _meter.CreateHistogram(
            "gateway.sts.duration",
            "s",
            "AssumeRole latency including retries.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StsDurationBuckets });
        _stageDuration = _meter.CreateHistogram(
            StageDurationInstrument,
            "s",
            "Stages of the tenant decision by stage: decision (the whole decision of a request, cached or not), organization_read (an organizations-table read on a cache miss), membership_read (a membership-table read on a cache miss). With gateway.sts.admission.wait and gateway.sts.duration they split a cold request's decision.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StageDurationBuckets });
        _meter.CreateObservableGauge("gateway.sts.circuit.state", () => _circuitState?.Invoke() ?? 0, "{state}", "STS circuit: 0 closed, 1 open, 2 half-open, 3 isolated.");
        _stsAdmission = _meter.CreateCounter<long>(StsAdmissionInstrument, "{call}", "AssumeRole budget (Sts:MaxAssumeRolePerSecond) decisions by result (admitted, queued: had to wait, rejected: not admitted within Sts:AdmissionTimeout, answered 503 credentials_unavailable) and kind (new: a cold miss, refresh: refresh-ahead of credentials in use).");
        _stsAdmissionWait = _meter.CreateHistogram(
            StsAdmissionWaitInstrument,
            "s",
            "Time an AssumeRole call waited for the budget, by result (admitted, rejected) and kind (new, refresh); 0 when admitted at once.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StsAdmissionWaitBuckets });
        _rateLimitDecisions = _meter.CreateCounter<long>(RateLimitDecisionsInstrument, "{request}", "Per-organization rate limit decisions by tier (a configured tier name) and result (allowed, rate_limited, concurrency_limited).");
        _meter.CreateObservableGauge("gateway.ratelimit.fallback", () => _rateLimitFallback?.Invoke() ?? 0, "{state}", "1 while the fleet-wide rate limits in Redis are unreachable and each instance enforces limit / ExpectedInstances; else 0.");
        _verificationFailures = _meter.CreateCounter<long>("gateway.isolation.verification.failures", "{run}", "Continuous verification runs that failed (a check failed or the run threw).");
        _meter.CreateObservableGauge("gateway.isolation.verification.last_success_timestamp", ObserveLastVerificationSuccess, "s", "Unix time (seconds) of the last continuous verification run where every check passed; absent until then.");
    }

    /// <summary>Records 0 for <c>gateway.sts.calls</c> and <c>gateway.sts.failures</c> (once), so the series exist before the first call.</summary>
    public void InitializeSeries()
    {
        if (Interlocked.Exchange(ref _seriesInitialized, 1) == 1)
        {
            return;
        }

        _stsCalls.Add(0);
        _stsFailures.Add(0);
        _l2Hits.Add(0);
        _l2Misses.Add(0);
        _l2Errors.Add(0);
        foreach (var tier in (ReadOnlySpan<string>)["l1", "l2"])
        {
            _credentialsRevoked.Add(0, new KeyValuePair<string, object?>("tier", tier));
        }

        foreach (var result in RevocationReadResults)
        {
            _revocationReads.Add(0, new KeyValuePair<string, object?>("result", result));
        }

        foreach (var outcome in RejectionOutcomes)
        {
            _credentialsRejected.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }

        if (_verificationEnabled)
        {
            _verificationFailures.Add(0);
        }
    }

    internal void CredentialCacheHit() => _credentialHits.Add(1);

    internal void CredentialCacheMiss() => _credentialMisses.Add(1);

    internal void CredentialRefresh() => _credentialRefreshes.Add(1);

    /// <summary>The <c>outcome</c> label values of <c>gateway.credentials.rejected</c>.</summary>
    public static readonly IReadOnlyList<string> RejectionOutcomes = ["dropped", "cooldown", "superseded"];

    /// <param name="outcome">One of <see cref="RejectionOutcomes"/>.</param>
    internal void CredentialsRejected(string outcome) => _credentialsRejected.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <param name="tier">l1 or l2.</param>
    internal void CredentialsRevoked(string tier) => _credentialsRevoked.Add(1, new KeyValuePair<string, object?>("tier", tier));

    /// <summary>The <c>result</c> label values of <c>gateway.revocations.reads</c>.</summary>
    public static readonly IReadOnlyList<string> RevocationReadResults = ["ok", "access_denied", "failed"];

    /// <param name="result">One of <see cref="RevocationReadResults"/>.</param>
    internal void RevocationRead(string result) => _revocationReads.Add(1, new KeyValuePair<string, object?>("result", result));

    internal void MembershipCacheHit() => _membershipHits.Add(1);

    internal void MembershipCacheMiss() => _membershipMisses.Add(1);

    internal void SharedCacheHit() => _l2Hits.Add(1);

    internal void SharedCacheMiss() => _l2Misses.Add(1);

    internal void SharedCacheError() => _l2Errors.Add(1);

    internal void StsCall(TimeSpan duration, bool succeeded)
    {
        _stsCalls.Add(1);
        _stsDuration.Record(duration.TotalSeconds);
        if (!succeeded)
        {
            _stsFailures.Add(1);
        }
    }

    /// <summary>The tenant decision's stage histogram (<c>gateway_tenant_stage_duration_seconds</c>).</summary>
    public const string StageDurationInstrument = "gateway.tenant.stage.duration";

    /// <summary>Bucket boundaries (seconds) of <see cref="StageDurationInstrument"/>: a cached decision takes microseconds, a table read about a millisecond.</summary>
    public static readonly IReadOnlyList<double> StageDurationBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>The <c>stage</c> label values of <see cref="StageDurationInstrument"/>.</summary>
    public static readonly IReadOnlyList<string> Stages = ["decision", "organization_read", "membership_read"];

    private static readonly KeyValuePair<string, object?> DecisionStage = new("stage", "decision");
    private static readonly KeyValuePair<string, object?> OrganizationReadStage = new("stage", "organization_read");
    private static readonly KeyValuePair<string, object?> MembershipReadStage = new("stage", "membership_read");

    /// <summary>One tenant decision, cached or not (allocation-free: a pre-built tag).</summary>
    internal void Decision(TimeSpan elapsed) => _stageDuration.Record(elapsed.TotalSeconds, DecisionStage);

    /// <summary>One read of the organizations table (a cache miss), answered or failed.</summary>
    internal void OrganizationRead(TimeSpan elapsed) => _stageDuration.Record(elapsed.TotalSeconds, OrganizationReadStage);

    /// <summary>One read of the membership table (a cache miss), answered or failed.</summary>
    internal void MembershipRead(TimeSpan elapsed) => _stageDuration.Record(elapsed.TotalSeconds, MembershipReadStage);

    /// <summary>The AssumeRole budget's decision counter.</summary>
    public const string StsAdmissionInstrument = "gateway.sts.admission";

    /// <summary>The AssumeRole budget's wait histogram.</summary>
    public const string StsAdmissionWaitInstrument = "gateway.sts.admission.wait";

    private static readonly double[] StsAdmissionWaitBuckets = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5];
    private readonly Counter<long> _stsAdmission;
    private readonly Histogram<double> _stsAdmissionWait;
    private int _stsAdmissionInitialized;

    /// <summary>Publishes <c>gateway.sts.admission</c> at 0 for every result and kind (once), so dashboards see the series before the first cold miss.</summary>
    internal void InitializeStsAdmission()
    {
        if (Interlocked.Exchange(ref _stsAdmissionInitialized, 1) == 1)
        {
            return;
        }

        foreach (var result in (ReadOnlySpan<string>)["admitted", "queued", "rejected"])
        {
            foreach (var kind in (ReadOnlySpan<string>)["new", "refresh"])
            {
                _stsAdmission.Add(0, new KeyValuePair<string, object?>("result", result), new KeyValuePair<string, object?>("kind", kind));
            }
        }
    }

    /// <param name="result">admitted, queued or rejected.</param>
    /// <param name="kind">new or refresh.</param>
    /// <param name="waited">The wait (admitted, rejected); null for queued.</param>
    internal void StsAdmission(string result, string kind, TimeSpan? waited)
    {
        var resultTag = new KeyValuePair<string, object?>("result", result);
        var kindTag = new KeyValuePair<string, object?>("kind", kind);
        _stsAdmission.Add(1, resultTag, kindTag);
        if (waited is { } wait)
        {
            _stsAdmissionWait.Record(Math.Max(0, wait.TotalSeconds), resultTag, kindTag);
        }
    }

    internal void RateLimitDecision(string tier, string result, long count = 1)
        => _rateLimitDecisions.Add(count, new KeyValuePair<string, object?>("tier", tier), new KeyValuePair<string, object?>("result", result));

    internal void ObserveRateLimitFallback(Func<int> state) => _rateLimitFallback = state;

    internal void VerificationFailed() => _verificationFailures.Add(1);

    internal void VerificationSucceeded(DateTimeOffset at) => Volatile.Write(ref _lastVerificationSuccess, at.ToUnixTimeMilliseconds() / 1000.0);

    private IEnumerable<Measurement<double>> ObserveLastVerificationSuccess()
    {
        var last = Volatile.Read(ref _lastVerificationSuccess);
        return double.IsNaN(last) ? [] : [new Measurement<double>(last)];
    }

    internal void ObserveCircuitState(Func<int> state) => _circuitState = state;

    public void Dispose() => _meter.Dispose();
}
