using System.Collections.Concurrent;
using LoadTests.Engine;

namespace LoadTests.Stats;

/// <summary>All steps and counters of one run. <c>origin</c> is the Stopwatch timestamp the timeline counts seconds from.</summary>
internal sealed class StatsCollector
{
    private readonly ConcurrentDictionary<string, StepStatsCollector> _steps = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);
    private readonly long _origin;
    private long _requests;
    private long _failures;

    public StatsCollector(long origin) => _origin = origin;

    /// <summary>Requests recorded so far (for live progress).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Failed requests recorded so far (for live progress).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    public void Record(string step, StepResponse response, long measuredFrom, long actualStart, long end)
    {
        var collector = _steps.GetOrAdd(step, static (name, origin) => new StepStatsCollector(name, origin), _origin);
        collector.Record(response, measuredFrom, actualStart, end);
        Interlocked.Increment(ref _requests);
        if (!response.IsOk)
        {
            Interlocked.Increment(ref _failures);
        }
    }

    public void Count(string counter, long value) => _counters.AddOrUpdate(counter, value, (_, current) => current + value);

    public IReadOnlyList<StepStats> SnapshotSteps(TimeSpan measuredDuration) =>
        _steps.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => s.Snapshot(measuredDuration)).ToList();

    public IReadOnlyDictionary<string, long> SnapshotCounters() =>
        _counters.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}
