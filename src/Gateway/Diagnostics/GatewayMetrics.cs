using System.Diagnostics.Metrics;
using Gateway.Isolation.Diagnostics;
using Gateway.Problems;

namespace Gateway.Diagnostics;

/// <summary>The web host's request outcome counter, on the <c>Gateway</c> meter it shares with <see cref="IsolationMetrics"/>.</summary>
/// <remarks>
/// <c>gateway.requests</c> counts every request the gateway refuses (401/403/405 before the tenant pipeline, and every
/// tenant decision), by <c>outcome</c> = <c>allow</c> or a problem code. <see cref="InitializeSeries"/> publishes each
/// outcome at 0. The caches, STS and circuit instruments belong to the isolation engine (<see cref="IsolationMetrics"/>).
/// </remarks>
internal sealed class GatewayMetrics : IDisposable
{
    public const string MeterName = IsolationMetrics.MeterName;

    /// <summary>The per-organization denial counter.</summary>
    public const string DenialsInstrument = "gateway.tenant.denials";

    /// <summary>Tenant requests forwarded with scoped credentials, by organization and access (read or write).</summary>
    public const string OrganizationRequestsInstrument = "gateway.organization.requests";

    /// <summary>Series (organization × access) kept for <see cref="OrganizationRequestsInstrument"/>.</summary>
    public const int OrganizationRequestsCardinalityLimit = 4000;

    /// <summary>Series (organization × code) kept for <see cref="DenialsInstrument"/>.</summary>
    public const int DenialsCardinalityLimit = 2000;

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _denials;
    private readonly Counter<long> _organizationRequests;
    private int _seriesInitialized;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("gateway.requests", "{request}", "Tenant-isolated requests by outcome (allow or a problem code).");
        _organizationRequests = _meter.CreateCounter<long>(OrganizationRequestsInstrument, "{request}", "Tenant requests forwarded with scoped credentials, by organization and access (read: GET, HEAD, OPTIONS; write: any other method); Gateway.Migration recommend turns them into a suggested shard count (at most OrganizationRequestsCardinalityLimit series; the rest overflow).");
        _denials = _meter.CreateCounter<long>(DenialsInstrument, "{request}", "Tenant decisions denied for a requested organization, by organization and problem code (at most DenialsCardinalityLimit series; the rest overflow).");
    }

    /// <summary>Records 0 for every outcome of <c>gateway.requests</c> (once), so the series exist before the first refusal.</summary>
    public void InitializeSeries()
    {
        if (Interlocked.Exchange(ref _seriesInitialized, 1) == 1)
        {
            return;
        }

        foreach (var row in ProblemTable.All)
        {
            _requests.Add(0, row.OutcomeTags);
        }
    }

    /// <summary>Counts a request by its outcome: <see cref="ProblemTable.Allow"/> or a refusal's row.</summary>
    public void Request(ProblemRow outcome) => _requests.Add(1, outcome.OutcomeTags);

    /// <summary>Counts a host refusal (<see cref="GatewayProblem.None"/>: an allow).</summary>
    public void Request(GatewayProblem outcome) => Request(ProblemTable.For(outcome));

    /// <summary>
    /// Counts a denial for the organization the caller asked for (the alert rules' per-organization denial spikes). Any
    /// caller can name any organization, so the series are capped (<see cref="DenialsCardinalityLimit"/>): past it the
    /// SDK aggregates into one <c>otel_metric_overflow="true"</c> series instead of growing.
    /// </summary>
    public void Denied(string organizationId, string code) => _denials.Add(1, new KeyValuePair<string, object?>("organization", organizationId), new KeyValuePair<string, object?>("code", code));

    /// <summary>
    /// Counts a request forwarded for <paramref name="organizationId"/> with scoped credentials (only members of an
    /// existing organization get here, so the series grow with active organizations; capped all the same).
    /// </summary>
    public void Forwarded(string organizationId, bool read) => _organizationRequests.Add(1, new KeyValuePair<string, object?>("organization", organizationId), new KeyValuePair<string, object?>("access", read ? "read" : "write"));

    public void Dispose() => _meter.Dispose();
}
