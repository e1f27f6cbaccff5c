using System.Diagnostics;
using LoadTests.Engine;
using LoadTests.Progress;
using LoadTests.Scenarios;

namespace LoadTests.Tests.Engine;

public sealed class ScenarioRunnerTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _client = ScenarioEnvironment.CreateHttpClient(256);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task RunAsync_OpenModelConstantRate_SendsRateTimesDurationAndRecordsAll()
    {
        var runner = new ScenarioRunner(NullProgress.Instance);

        var result = await runner.RunAsync(Definition("/ok", LoadSimulation.Inject(100, TimeSpan.FromSeconds(1))), CancellationToken.None);

        var step = Assert.Single(result.Steps);
        Assert.Equal(100, result.Iterations);
        Assert.Equal(100, step.Requests);
        Assert.Equal(100, step.Ok);
        Assert.Equal(100, step.StatusCodes["200"]);
        Assert.Equal(100, _server.Requests);
        Assert.InRange(step.Rps, 80, 120);
        Assert.True(step.Latency.MinMs > 0 && step.Latency.MinMs <= step.Latency.P50Ms && step.Latency.P99Ms <= step.Latency.MaxMs);
    }

    [Fact]
    public async Task RunAsync_ServerStallsBehindQueue_LatencyMeasuredFromIntendedStartShowsTheStall()
    {
        // The server handles one request at a time for 20 ms (50/s) while 100/s are injected for 1 s: a queue builds.
        // Measured from the intended send time, the last requests wait ~1 s; a coordinated-omission measurement would
        // report ~20 ms for every request.
        var runner = new ScenarioRunner(NullProgress.Instance);
        await HttpSteps.SendAsync(_client, HttpSteps.Get(_server.Url, "/serial/1"), CancellationToken.None); // warm the path

        var result = await runner.RunAsync(Definition("/serial/20", LoadSimulation.Inject(100, TimeSpan.FromSeconds(1))), CancellationToken.None);

        var step = Assert.Single(result.Steps);
        Assert.Equal(100, step.Ok);
        Assert.Equal(101, _server.Requests);
        Assert.True(step.Latency.MaxMs > 600, $"max {step.Latency.MaxMs} ms should include the queueing");
        Assert.True(step.Latency.P99Ms > 500, $"p99 {step.Latency.P99Ms} ms");
        Assert.True(step.Latency.MinMs < step.Latency.MaxMs / 2, $"min {step.Latency.MinMs} ms, max {step.Latency.MaxMs} ms: latency grows with the queue");
    }

    [Fact]
    public async Task RunAsync_InFlightCapReached_DelayIsChargedToLatency()
    {
        // One iteration at a time, each 50 ms, 50/s for 0.4 s intended: the cap delays sends; latency counts the wait.
        var runner = new ScenarioRunner(NullProgress.Instance);
        var definition = Definition("/delay/50", LoadSimulation.Inject(50, TimeSpan.FromMilliseconds(400))) with { MaxInFlight = 1 };

        var result = await runner.RunAsync(definition, CancellationToken.None);

        var step = Assert.Single(result.Steps);
        Assert.Equal(20, step.Requests);
        Assert.Equal(1, _server.MaxConcurrent);
        Assert.True(step.Latency.MaxMs > 400, $"max {step.Latency.MaxMs} ms");
        Assert.True(step.SchedulingLagP99Ms > 300, $"lag {step.SchedulingLagP99Ms} ms");
    }

    [Fact]
    public async Task RunAsync_RampingInject_SendsTheIntegralOfTheRate()
    {
        var runner = new ScenarioRunner(NullProgress.Instance);

        var result = await runner.RunAsync(Definition("/ok", LoadSimulation.RampingInject(0, 200, TimeSpan.FromSeconds(1))), CancellationToken.None);

        Assert.Equal(100, Assert.Single(result.Steps).Requests);
    }

    [Fact]
    public async Task RunAsync_ClosedModel_RunsExactlyNCopiesConcurrently()
    {
        var runner = new ScenarioRunner(NullProgress.Instance);

        var result = await runner.RunAsync(Definition("/delay/20", LoadSimulation.KeepConstant(4, TimeSpan.FromSeconds(1))), CancellationToken.None);

        var step = Assert.Single(result.Steps);
        Assert.Equal(4, _server.MaxConcurrent);
        // Closed model: 4 copies, each starting its next iteration when the previous one ends. At most 4 × (1 s / 20 ms)
        // = 200 fit in the second; the lower bound only asks that the copies looped (a throughput floor would measure
        // the machine, not the runner: it failed at load average 45 on 2 cores).
        Assert.InRange(step.Requests, 8, 200);
        Assert.Equal(step.Requests, step.Ok);
    }

    [Fact]
    public async Task RunAsync_MaxIterations_StopsBeforeTheDuration()
    {
        var runner = new ScenarioRunner(NullProgress.Instance);
        var definition = Definition("/ok", LoadSimulation.KeepConstant(2, TimeSpan.FromSeconds(30))) with { MaxIterations = 25 };
        var clock = Stopwatch.StartNew();

        var result = await runner.RunAsync(definition, CancellationToken.None);

        Assert.Equal(25, result.Iterations);
        Assert.Equal(25, Assert.Single(result.Steps).Requests);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task RunAsync_MaxIterationsEndTheRunEarly_LoadTextStatesTheDurationItRan()
    {
        // Issue 20: a report said "keep constant 8 copies for 30 s" over a phase that ran 10 s (it stopped after its
        // iterations); the text must say how long the load ran.
        var runner = new ScenarioRunner(NullProgress.Instance);
        var definition = Definition("/ok", LoadSimulation.KeepConstant(2, TimeSpan.FromSeconds(30))) with { MaxIterations = 25 };

        var result = await runner.RunAsync(definition, CancellationToken.None);

        Assert.True(result.Duration < TimeSpan.FromSeconds(10), $"ran {result.Duration}");
        Assert.DoesNotContain("for 30 s", result.Load, StringComparison.Ordinal);
        Assert.StartsWith("keep constant 2 copies for " + result.Duration.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s", result.Load, StringComparison.Ordinal);
        Assert.Contains("all 25 iterations done", result.Load, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_StopWhenCompletes_InjectionEndsThenAndTheLoadTextSaysWhy()
    {
        // rolling-restart / dependency-faults: a phase lasts as long as the restarts it carries load for.
        var runner = new ScenarioRunner(NullProgress.Instance);
        var definition = Definition("/ok", LoadSimulation.Inject(100, TimeSpan.FromSeconds(60))) with
        {
            StopWhen = Task.Delay(TimeSpan.FromMilliseconds(500)),
            StopWhenReason = "until the restarts were done",
        };
        var clock = Stopwatch.StartNew();

        var result = await runner.RunAsync(definition, CancellationToken.None);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.InRange(Assert.Single(result.Steps).Requests, 20, 100);
        Assert.True(result.Duration < TimeSpan.FromSeconds(5), $"measured {result.Duration}");
        Assert.Contains("until the restarts were done; planned 60 s", result.Load, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_StopWhenClosedModel_CopiesStopThen()
    {
        var runner = new ScenarioRunner(NullProgress.Instance);
        var definition = Definition("/delay/20", LoadSimulation.KeepConstant(2, TimeSpan.FromSeconds(60))) with { StopWhen = Task.Delay(TimeSpan.FromMilliseconds(400)) };
        var clock = Stopwatch.StartNew();

        var result = await runner.RunAsync(definition, CancellationToken.None);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.True(Assert.Single(result.Steps).Requests > 0);
        Assert.Contains("stopped when its task completed", result.Load, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_StopWhenNotCompleted_RunsItsFullDuration()
    {
        var runner = new ScenarioRunner(NullProgress.Instance);
        var never = new TaskCompletionSource();

        var result = await runner.RunAsync(Definition("/ok", LoadSimulation.Inject(20, TimeSpan.FromSeconds(1))) with { StopWhen = never.Task }, CancellationToken.None);

        Assert.Equal(20, Assert.Single(result.Steps).Requests);
        Assert.Equal("inject 20/s for 1 s", result.Load);
    }

    [Fact]
    public async Task RunAsync_RunsItsFullDuration_LoadTextStatesThePlannedDuration()
    {
        var runner = new ScenarioRunner(NullProgress.Instance);

        var result = await runner.RunAsync(Definition("/ok", LoadSimulation.Inject(20, TimeSpan.FromSeconds(1))), CancellationToken.None);

        Assert.Equal("inject 20/s for 1 s", result.Load);
    }

    [Fact]
    public async Task RunAsync_HangingServer_IsBoundedByDrainTimeoutAndCountsFailures()
    {
        var runner = new ScenarioRunner(NullProgress.Instance);
        var definition = Definition("/hang", LoadSimulation.Inject(20, TimeSpan.FromMilliseconds(500))) with
        {
            DrainTimeout = TimeSpan.FromMilliseconds(500),
            StepTimeout = TimeSpan.FromSeconds(60),
        };
        var clock = Stopwatch.StartNew();

        var result = await runner.RunAsync(definition, CancellationToken.None);

        var step = Assert.Single(result.Steps);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(10, step.Fail);
        Assert.Equal(10, step.ErrorCodes["cancelled"]);
        Assert.Equal(10, step.StatusCodes["0"]);
    }

    [Fact]
    public async Task RunAsync_StepTimeout_FailsWithTimeoutCode()
    {
        var runner = new ScenarioRunner(NullProgress.Instance);
        var definition = Definition("/hang", LoadSimulation.Inject(10, TimeSpan.FromMilliseconds(300))) with { StepTimeout = TimeSpan.FromMilliseconds(200) };

        var result = await runner.RunAsync(definition, CancellationToken.None);

        Assert.Equal(3, Assert.Single(result.Steps).ErrorCodes["timeout"]);
    }

    [Fact]
    public async Task RunAsync_WarmUp_IsNotRecorded()
    {
        var runner = new ScenarioRunner(NullProgress.Instance);
        var definition = Definition("/ok", LoadSimulation.Inject(50, TimeSpan.FromMilliseconds(400))) with { WarmUp = TimeSpan.FromMilliseconds(400) };

        var result = await runner.RunAsync(definition, CancellationToken.None);

        Assert.Equal(20, Assert.Single(result.Steps).Requests);
        Assert.Equal(40, _server.Requests);
    }

    [Fact]
    public async Task RunAsync_ProblemResponses_AreCountedByStatusAndCode()
    {
        var runner = new ScenarioRunner(NullProgress.Instance);
        var definition = new ScenarioDefinition
        {
            Name = "codes",
            Load = LoadSimulation.Inject(40, TimeSpan.FromMilliseconds(500)),
            Iteration = async ctx =>
            {
                var path = ctx.Iteration % 2 == 0 ? "/problem/403/not_a_member" : "/ok";
                await ctx.StepAsync(ctx.Iteration % 2 == 0 ? "denied" : "allowed", async ct =>
                    HttpSteps.ToStep(await HttpSteps.SendAsync(_client, HttpSteps.Get(_server.Url, path), ct)));
                ctx.Count("iterations");
            },
        };

        var result = await runner.RunAsync(definition, CancellationToken.None);

        var denied = result.Step("denied")!;
        var allowed = result.Step("allowed")!;
        Assert.Equal(10, denied.Fail);
        Assert.Equal(10, denied.StatusCodes["403"]);
        Assert.Equal(10, denied.ErrorCodes["not_a_member"]);
        Assert.Equal(10, allowed.Ok);
        Assert.Empty(allowed.ErrorCodes);
        Assert.Equal(20, result.Counter("iterations"));
    }

    private ScenarioDefinition Definition(string path, LoadSimulation load) => new()
    {
        Name = "test",
        Load = load,
        Iteration = async ctx => await ctx.StepAsync("get", async ct =>
            HttpSteps.ToStep(await HttpSteps.SendAsync(_client, HttpSteps.Get(_server.Url, path), ct))),
    };
}
