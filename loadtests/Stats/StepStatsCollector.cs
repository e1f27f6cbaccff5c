using System.Diagnostics;
using System.Globalization;
using HdrHistogram;
using LoadTests.Engine;

namespace LoadTests.Stats;

/// <summary>Thread-safe accumulation of one step's responses: an HdrHistogram of latency (µs), counts, per-second timeline.</summary>
internal sealed class StepStatsCollector
{
    /// <summary>Highest trackable latency: one hour in microseconds.</summary>
    internal const long HighestMicros = 3_600_000_000;

    private static readonly double[] s_percentiles = [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 97.5, 99, 99.5, 99.9, 99.99, 100];

    private readonly Lock _lock = new();
    private readonly long _origin;
    private readonly LongHistogram _latency = new(HighestMicros, 3);
    private readonly LongHistogram _lag = new(HighestMicros, 2);
    private readonly Dictionary<int, long> _status = [];
    private readonly Dictionary<string, long> _codes = new(StringComparer.Ordinal);
    private readonly Dictionary<int, Bucket> _timeline = [];
    private long _ok;
    private long _fail;
    private long _bytes;
    private long _minMicros = long.MaxValue;
    private long _maxMicros;
    private double _sumMicros;
    private double _sumSquares;

    public StepStatsCollector(string name, long origin)
    {
        Name = name;
        _origin = origin;
    }

    public string Name { get; }

    public void Record(StepResponse response, long measuredFrom, long actualStart, long end)
    {
        var micros = Math.Clamp(ToMicros(end - measuredFrom), 0, HighestMicros);
        var lag = Math.Clamp(ToMicros(actualStart - measuredFrom), 0, HighestMicros);
        var second = (int)Math.Max(0, (measuredFrom - _origin) / Stopwatch.Frequency);
        lock (_lock)
        {
            _latency.RecordValue(micros);
            _lag.RecordValue(lag);
            if (response.IsOk)
            {
                _ok++;
            }
            else
            {
                _fail++;
            }

            _bytes += response.SizeBytes;
            _status[response.StatusCode] = _status.GetValueOrDefault(response.StatusCode) + 1;
            if (response.ErrorCode is { } code)
            {
                _codes[code] = _codes.GetValueOrDefault(code) + 1;
            }

            _minMicros = Math.Min(_minMicros, micros);
            _maxMicros = Math.Max(_maxMicros, micros);
            _sumMicros += micros;
            _sumSquares += (double)micros * micros;

            if (!_timeline.TryGetValue(second, out var bucket))
            {
                bucket = new Bucket();
                _timeline[second] = bucket;
            }

            bucket.Histogram.RecordValue(micros);
            bucket.MaxMicros = Math.Max(bucket.MaxMicros, micros);
            if (response.IsOk)
            {
                bucket.Ok++;
            }
            else
            {
                bucket.Fail++;
            }
        }
    }

    public StepStats Snapshot(TimeSpan measuredDuration)
    {
        lock (_lock)
        {
            var requests = _ok + _fail;
            var mean = requests == 0 ? 0 : _sumMicros / requests;
            var variance = requests == 0 ? 0 : Math.Max(0, (_sumSquares / requests) - (mean * mean));
            var latency = requests == 0
                ? LatencySummary.Empty
                : new LatencySummary
                {
                    MinMs = _minMicros / 1000.0,
                    MeanMs = mean / 1000.0,
                    P50Ms = Percentile(_latency, 50, _maxMicros),
                    P75Ms = Percentile(_latency, 75, _maxMicros),
                    P95Ms = Percentile(_latency, 95, _maxMicros),
                    P99Ms = Percentile(_latency, 99, _maxMicros),
                    MaxMs = _maxMicros / 1000.0,
                    StdDevMs = Math.Sqrt(variance) / 1000.0,
                };

            return new StepStats
            {
                Name = Name,
                Requests = requests,
                Ok = _ok,
                Fail = _fail,
                Rps = measuredDuration > TimeSpan.Zero ? requests / measuredDuration.TotalSeconds : 0,
                Bytes = _bytes,
                Latency = latency,
                SchedulingLagP99Ms = requests == 0 ? 0 : Percentile(_lag, 99, _lag.GetMaxValue()),
                StatusCodes = _status.OrderBy(p => p.Key)
                    .ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value, StringComparer.Ordinal),
                ErrorCodes = _codes.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
                    .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
                Timeline = _timeline.OrderBy(p => p.Key)
                    .Select(p => new TimelinePoint(
                        p.Key,
                        p.Value.Ok + p.Value.Fail,
                        p.Value.Ok,
                        p.Value.Fail,
                        Percentile(p.Value.Histogram, 50, p.Value.MaxMicros),
                        Percentile(p.Value.Histogram, 99, p.Value.MaxMicros),
                        p.Value.MaxMicros / 1000.0))
                    .ToList(),
                Percentiles = requests == 0
                    ? []
                    : s_percentiles.Select(p => new PercentilePoint(p, p == 0 ? _minMicros / 1000.0 : p == 100 ? _maxMicros / 1000.0 : Percentile(_latency, p, _maxMicros))).ToList(),
            };
        }
    }

    internal static long ToMicros(long stopwatchTicks) => stopwatchTicks * 1_000_000 / Stopwatch.Frequency;

    /// <summary>
    /// The value at <paramref name="percentile"/>, never above <paramref name="maxMicros"/>, the exact largest value
    /// recorded: HdrHistogram answers with the highest value equivalent to the recorded one (the top of its bucket,
    /// up to 0.1 % higher at 3 significant digits), which would put a p99 above the max.
    /// </summary>
    private static double Percentile(LongHistogram histogram, double percentile, long maxMicros) =>
        histogram.TotalCount == 0 ? 0 : Math.Min(histogram.GetValueAtPercentile(percentile), maxMicros) / 1000.0;

    private sealed class Bucket
    {
        public LongHistogram Histogram { get; } = new(HighestMicros, 2);

        public long Ok { get; set; }

        public long Fail { get; set; }

        /// <summary>The exact largest latency of this second (the histogram's own maximum is rounded up to its bucket).</summary>
        public long MaxMicros { get; set; }
    }
}
