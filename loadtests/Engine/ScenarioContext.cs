using System.Diagnostics;
using System.Net.Http;
using LoadTests.Stats;

namespace LoadTests.Engine;

/// <summary>
/// One iteration of a scenario. Steps are timed here; the first step of an iteration is timed from the iteration's
/// intended start (open model), so a stalled injector or server shows up as latency instead of disappearing.
/// </summary>
internal sealed class ScenarioContext
{
    private readonly StatsCollector _stats;
    private readonly TimeSpan _stepTimeout;
    private bool _firstStepDone;

    internal ScenarioContext(StatsCollector stats, long iteration, int copy, long intendedStart, TimeSpan stepTimeout, CancellationToken cancellationToken)
    {
        _stats = stats;
        Iteration = iteration;
        Copy = copy;
        IntendedStart = intendedStart;
        _stepTimeout = stepTimeout;
        CancellationToken = cancellationToken;
    }

    /// <summary>0-based number of this iteration within the run.</summary>
    public long Iteration { get; }

    /// <summary>Closed model: which copy runs this iteration; open model: -1.</summary>
    public int Copy { get; }

    /// <summary><see cref="Stopwatch.GetTimestamp"/> at which this iteration was meant to start.</summary>
    public long IntendedStart { get; }

    public CancellationToken CancellationToken { get; }

#pragma warning disable CA1822 // instance member so scenarios read it from the context they are given
    public Random Random => Random.Shared;
#pragma warning restore CA1822

    /// <summary>Adds to a scenario-level counter (e.g. <c>attacks</c>, <c>leaks</c>).</summary>
    public void Count(string counter, long value = 1) => _stats.Count(counter, value);

    /// <summary>Runs and times one named step. Exceptions and timeouts become failed responses with a client error code.</summary>
    public async Task<StepResponse> StepAsync(string name, Func<CancellationToken, Task<StepResponse>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var actualStart = Stopwatch.GetTimestamp();
        var measuredFrom = _firstStepDone ? actualStart : Math.Min(IntendedStart, actualStart);
        _firstStepDone = true;

        StepResponse response;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken))
        {
            timeout.CancelAfter(_stepTimeout);
            try
            {
                response = await action(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                response = StepResponse.Fail(0, CancellationToken.IsCancellationRequested ? "cancelled" : "timeout");
            }
            catch (HttpRequestException ex)
            {
                response = StepResponse.Fail(0, "http_" + ex.HttpRequestError.ToString().ToLowerInvariant());
            }
#pragma warning disable CA1031 // a step's failure of any kind is a result, never a crash of the runner
            catch (Exception ex)
#pragma warning restore CA1031
            {
                response = StepResponse.Fail(0, "exception_" + ex.GetType().Name);
            }
        }

        var end = Stopwatch.GetTimestamp();
        _stats.Record(name, response, measuredFrom, actualStart, end);
        return response;
    }
}
