using System.Diagnostics;
using LoadTests.Engine;
using LoadTests.Stats;

namespace LoadTests.Tests.Stats;

public sealed class StepStatsCollectorTests
{
    private static readonly long TicksPerMicro = Stopwatch.Frequency / 1_000_000;

    [Fact]
    public void Snapshot_UniformLatencies_PercentilesWithinHdrPrecision()
    {
        var collector = new StepStatsCollector("s", 0);
        for (var us = 1; us <= 10_000; us++)
        {
            Record(collector, us, ok: true);
        }

        var stats = collector.Snapshot(TimeSpan.FromSeconds(10));

        Assert.Equal(10_000, stats.Requests);
        Assert.Equal(1000, stats.Rps, 6);
        Assert.Equal(0.001, stats.Latency.MinMs, 6);
        Assert.Equal(10.0, stats.Latency.MaxMs, 6);
        Assert.Equal(5.0005, stats.Latency.MeanMs, 6);
        Assert.Equal(5.0, stats.Latency.P50Ms, 2);   // 3 significant digits: ±0.1 %
        Assert.Equal(7.5, stats.Latency.P75Ms, 2);
        Assert.Equal(9.5, stats.Latency.P95Ms, 2);
        Assert.Equal(9.9, stats.Latency.P99Ms, 2);
        Assert.Equal(2.8868, stats.Latency.StdDevMs, 3);
    }

    [Fact]
    public void Snapshot_SkewedLatencies_TailPercentilesSeeTheOutliers()
    {
        var collector = new StepStatsCollector("s", 0);
        for (var i = 0; i < 980; i++)
        {
            Record(collector, 1_000, ok: true);
        }

        for (var i = 0; i < 20; i++)
        {
            Record(collector, 500_000, ok: false, code: "timeout", status: 0);
        }

        var stats = collector.Snapshot(TimeSpan.FromSeconds(1));

        Assert.Equal(1.0, stats.Latency.P50Ms, 2);
        Assert.Equal(1.0, stats.Latency.P95Ms, 2);
        Assert.Equal(500, stats.Latency.P99Ms, 0);
        Assert.Equal(980, stats.Ok);
        Assert.Equal(20, stats.Fail);
        Assert.Equal(2.0, stats.FailPercent, 6);
        Assert.Equal(20, stats.ErrorCodes["timeout"]);
        Assert.Equal(20, stats.StatusCodes["0"]);
        Assert.Equal(980, stats.StatusCodes["200"]);
    }

    [Fact]
    public void Snapshot_Timeline_BucketsBySecondOfIntendedStart()
    {
        var origin = 1_000 * Stopwatch.Frequency;
        var collector = new StepStatsCollector("s", origin);
        collector.Record(StepResponse.Ok(), origin, origin, origin + (2_000 * TicksPerMicro));
        collector.Record(StepResponse.Fail(503, "x"), origin + (Stopwatch.Frequency * 2), origin + (Stopwatch.Frequency * 2), origin + (Stopwatch.Frequency * 2) + (8_000 * TicksPerMicro));

        var timeline = collector.Snapshot(TimeSpan.FromSeconds(3)).Timeline;

        Assert.Equal([0, 2], timeline.Select(t => t.Second));
        Assert.Equal(1, timeline[0].Ok);
        Assert.Equal(1, timeline[1].Fail);
        Assert.Equal(2, timeline[0].P99Ms, 1);
        Assert.Equal(8, timeline[1].MaxMs, 1);
    }

    [Fact]
    public void Snapshot_Empty_IsZeroNotNaN()
    {
        var stats = new StepStatsCollector("s", 0).Snapshot(TimeSpan.FromSeconds(1));

        Assert.Equal(0, stats.Requests);
        Assert.Equal(0, stats.Latency.P99Ms);
        Assert.Equal(0, stats.OkPercent);
        Assert.Empty(stats.Percentiles);
    }

    [Fact]
    public void Snapshot_Percentiles_AreMonotonicFromMinToMax()
    {
        var collector = new StepStatsCollector("s", 0);
        var random = new Random(7);
        for (var i = 0; i < 5000; i++)
        {
            Record(collector, random.Next(100, 100_000), ok: true);
        }

        var stats = collector.Snapshot(TimeSpan.FromSeconds(1));

        Assert.Equal(stats.Latency.MinMs, stats.Percentiles[0].LatencyMs);
        Assert.Equal(stats.Latency.MaxMs, stats.Percentiles[^1].LatencyMs);
        Assert.True(stats.Percentiles.Zip(stats.Percentiles.Skip(1)).All(p => p.First.LatencyMs <= p.Second.LatencyMs));
    }

    [Fact]
    public void Snapshot_TailInOneHdrBucket_NoPercentileAboveTheRecordedMax()
    {
        // Issue 20: a report showed p99 647.17 ms above max 646.81 ms: HdrHistogram answers a percentile with the
        // highest value equivalent to the recorded one (its bucket's upper end), while max is exact.
        var collector = new StepStatsCollector("s", 0);
        for (var i = 0; i < 98; i++)
        {
            Record(collector, 1_000, ok: true);
        }

        Record(collector, 646_810, ok: true);
        Record(collector, 646_810, ok: true);

        var stats = collector.Snapshot(TimeSpan.FromSeconds(1));

        Assert.Equal(646.81, stats.Latency.MaxMs, 6);
        Assert.Equal(646.81, stats.Latency.P99Ms, 6);
        Assert.All(stats.Percentiles, p => Assert.True(p.LatencyMs <= stats.Latency.MaxMs, $"p{p.Percentile} {p.LatencyMs} ms > max {stats.Latency.MaxMs} ms"));
        var second = Assert.Single(stats.Timeline);
        Assert.Equal(646.81, second.MaxMs, 6);
        Assert.True(second.P99Ms <= second.MaxMs, $"timeline p99 {second.P99Ms} ms > max {second.MaxMs} ms");
        Assert.True(second.P50Ms <= second.MaxMs);
    }

    [Fact]
    public async Task Record_Concurrently_LosesNothing()
    {
        var collector = new StepStatsCollector("s", 0);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                Record(collector, 100, ok: i % 10 != 0);
            }
        })));

        var stats = collector.Snapshot(TimeSpan.FromSeconds(1));
        Assert.Equal(80_000, stats.Requests);
        Assert.Equal(8_000, stats.Fail);
    }

    private static void Record(StepStatsCollector collector, long micros, bool ok, string? code = null, int status = 200) =>
        collector.Record(ok ? StepResponse.Ok(status) : StepResponse.Fail(status, code), 0, 0, micros * TicksPerMicro);
}
