using System.Diagnostics;
using LoadTests.Progress;
using LoadTests.Stats;

namespace LoadTests.Engine;

/// <summary>
/// Runs a <see cref="ScenarioDefinition"/>: optional warm-up (discarded), then the measured load. Open-model injection
/// runs on a dedicated thread that starts each iteration at its intended time without waiting for earlier ones; closed
/// model runs N copies back to back. Always bounded: duration, optional iteration count, drain timeout, hard cancel.
/// </summary>
internal sealed class ScenarioRunner
{
    private static readonly long s_earlyTolerance = Stopwatch.Frequency / 5_000; // 0.2 ms
    private static readonly long s_spinThreshold = Stopwatch.Frequency * 3 / 2_000; // 1.5 ms
    private readonly IRunProgress _progress;

    public ScenarioRunner(IRunProgress progress) => _progress = progress;

    public async Task<ScenarioResult> RunAsync(ScenarioDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.WarmUp > TimeSpan.Zero)
        {
            var warmStats = new StatsCollector(Stopwatch.GetTimestamp());
            var warm = ExecuteAsync(definition, definition.Load.WarmUp(definition.WarmUp), warmStats, null, null, cancellationToken);
            await _progress.TrackAsync($"{definition.Name} (warm-up)", definition.WarmUp, () => new(warmStats.Requests, warmStats.Failures), warm)
                .ConfigureAwait(false);
        }

        var stats = new StatsCollector(Stopwatch.GetTimestamp());
        var run = ExecuteAsync(definition, definition.Load, stats, definition.MaxIterations, definition.StopWhen, cancellationToken);
        await _progress.TrackAsync(definition.Name, definition.Load.During, () => new(stats.Requests, stats.Failures), run)
            .ConfigureAwait(false);
        var (iterations, measured) = await run.ConfigureAwait(false);

        return new ScenarioResult
        {
            Name = definition.Name,
            Load = definition.MaxIterations is { } max && iterations >= max
                ? definition.Load.Describe(measured, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"all {iterations} iterations done"))
                : cancellationToken.IsCancellationRequested ? definition.Load.Describe(measured, "cancelled")
                : definition.StopWhen is { IsCompleted: true } && measured < definition.Load.During ? definition.Load.Describe(measured, definition.StopWhenReason)
                : definition.Load.Describe(),
            Duration = measured,
            Iterations = iterations,
            Steps = stats.SnapshotSteps(measured),
            Counters = stats.SnapshotCounters(),
        };
    }

    private static Task<(long Iterations, TimeSpan Measured)> ExecuteAsync(
        ScenarioDefinition definition, LoadSimulation load, StatsCollector stats, long? maxIterations, Task? stopWhen, CancellationToken cancellationToken) =>
        load switch
        {
            InjectSimulation inject => InjectAsync(definition, inject, stats, maxIterations, stopWhen, cancellationToken),
            KeepConstantSimulation closed => KeepConstantAsync(definition, closed, stats, maxIterations, stopWhen, cancellationToken),
            _ => throw new NotSupportedException(load.GetType().Name),
        };

    private static async Task<(long, TimeSpan)> InjectAsync(
        ScenarioDefinition definition, InjectSimulation load, StatsCollector stats, long? maxIterations, Task? stopWhen, CancellationToken cancellationToken)
    {
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var inFlight = new SemaphoreSlim(definition.MaxInFlight, definition.MaxInFlight);
        long pending = 0;
        long started = 0;
        var start = Stopwatch.GetTimestamp();
        var injectionDone = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);

        var thread = new Thread(() =>
        {
            try
            {
                for (long i = 0; maxIterations is not { } max || i < max; i++)
                {
                    if (cancellationToken.IsCancellationRequested || stopWhen is { IsCompleted: true } || load.OffsetOf(i) is not { } offset)
                    {
                        break;
                    }

                    var due = start + (long)(offset.TotalSeconds * Stopwatch.Frequency);
                    WaitUntil(due, cancellationToken);
                    if (stopWhen is { IsCompleted: true })
                    {
                        break;
                    }

                    inFlight.Wait(cancellationToken);
                    Interlocked.Increment(ref pending);
                    started++;
                    var context = new ScenarioContext(stats, i, -1, due, definition.StepTimeout, hardStop.Token);
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await definition.Iteration(context).ConfigureAwait(false);
                        }
#pragma warning disable CA1031 // an iteration's own failure must not stop the run; steps record their failures
                        catch (Exception)
#pragma warning restore CA1031
                        {
                            stats.Count("iteration_errors", 1);
                        }
                        finally
                        {
                            inFlight.Release();
                            Interlocked.Decrement(ref pending);
                        }
                    });
                }
            }
            catch (OperationCanceledException)
            {
                // stop injecting
            }
            finally
            {
                injectionDone.TrySetResult(started);
            }
        })
        {
            IsBackground = true,
            Name = "load-injector",
            Priority = ThreadPriority.AboveNormal,
        };
        thread.Start();

        var iterations = await injectionDone.Task.ConfigureAwait(false);
        var measured = TimeSpan.FromSeconds(Math.Min(Stopwatch.GetElapsedTime(start).TotalSeconds, load.During.TotalSeconds));
        await DrainAsync(() => Interlocked.Read(ref pending) == 0, definition.DrainTimeout, hardStop).ConfigureAwait(false);
        return (iterations, measured);
    }

    private static async Task<(long, TimeSpan)> KeepConstantAsync(
        ScenarioDefinition definition, KeepConstantSimulation load, StatsCollector stats, long? maxIterations, Task? stopWhen, CancellationToken cancellationToken)
    {
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(load.During.TotalSeconds * Stopwatch.Frequency);
        long counter = -1;
        var workers = Enumerable.Range(0, load.Copies).Select(copy => Task.Run(async () =>
        {
            while (!cancellationToken.IsCancellationRequested && Stopwatch.GetTimestamp() < end && stopWhen is not { IsCompleted: true })
            {
                var i = Interlocked.Increment(ref counter);
                if (maxIterations is { } max && i >= max)
                {
                    break;
                }

                var context = new ScenarioContext(stats, i, copy, Stopwatch.GetTimestamp(), definition.StepTimeout, hardStop.Token);
                try
                {
                    await definition.Iteration(context).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // an iteration's own failure must not stop the run; steps record their failures
                catch (Exception)
#pragma warning restore CA1031
                {
                    stats.Count("iteration_errors", 1);
                }
            }
        })).ToArray();
        var all = Task.WhenAll(workers);

        Task[] ends = stopWhen is null ? [all, Task.Delay(load.During, CancellationToken.None)] : [all, Task.Delay(load.During, CancellationToken.None), stopWhen];
        await Task.WhenAny(ends).ConfigureAwait(false);
        var measured = TimeSpan.FromSeconds(Math.Min(Stopwatch.GetElapsedTime(start).TotalSeconds, load.During.TotalSeconds));
        await DrainAsync(() => all.IsCompleted, definition.DrainTimeout, hardStop).ConfigureAwait(false);
        var iterations = Interlocked.Read(ref counter) + 1;
        return (maxIterations is { } m ? Math.Min(iterations, m) : iterations, measured);
    }

    /// <summary>Waits for in-flight work up to <paramref name="timeout"/>, then cancels it and gives it 5 s more at most.</summary>
    private static async Task DrainAsync(Func<bool> done, TimeSpan timeout, CancellationTokenSource hardStop)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!done() && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(5, CancellationToken.None).ConfigureAwait(false);
        }

        if (!done())
        {
            await hardStop.CancelAsync().ConfigureAwait(false);
            var last = Stopwatch.GetTimestamp() + (5 * Stopwatch.Frequency);
            while (!done() && Stopwatch.GetTimestamp() < last)
            {
                await Task.Delay(5, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sleeps until <paramref name="due"/> (coarse sleep, then yield-spin for the last ~1.5 ms).</summary>
    private static void WaitUntil(long due, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var remaining = due - Stopwatch.GetTimestamp();
            if (remaining <= s_earlyTolerance)
            {
                return;
            }

            if (remaining > s_spinThreshold)
            {
                var ms = (int)((remaining - s_spinThreshold) * 1000 / Stopwatch.Frequency);
                Thread.Sleep(Math.Max(1, ms));
            }
            else
            {
                Thread.Yield();
            }
        }
    }
}
