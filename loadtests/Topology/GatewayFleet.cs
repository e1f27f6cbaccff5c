using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Gateway.Testing;
using LoadTests.Progress;

namespace LoadTests.Topology;

/// <summary>
/// Gateway instances in fleet mode (one redis-server, one sealing key) next to the runner's LocalAws and sample API, on
/// fixed loopback ports so an instance can be stopped and started again where its load balancer points; optionally
/// <c>tools/FrontDoor</c> in front of them. Disposing stops the front door, the instances and redis-server.
/// </summary>
internal sealed class GatewayFleet : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(90);
    private readonly RedisHost _redis;
    private readonly Dictionary<string, string?> _environment;
    private readonly ProcessHost?[] _instances;
    private ProcessHost? _frontDoor;

    private GatewayFleet(RedisHost redis, Dictionary<string, string?> environment, IReadOnlyList<Uri> urls)
    {
        _redis = redis;
        _environment = environment;
        Urls = urls;
        _instances = new ProcessHost?[urls.Count];
    }

    /// <summary><c>http://127.0.0.1:PORT/</c> of every instance (fixed for the fleet's lifetime).</summary>
    public IReadOnlyList<Uri> Urls { get; }

    public RedisHost Redis => _redis;

    /// <summary>The front door's URL once <see cref="StartFrontDoorAsync"/> ran.</summary>
    public Uri? FrontDoor { get; private set; }

    /// <summary>Starts redis-server and <paramref name="instances"/> gateways one after another (each until /readyz is 200).</summary>
    public static async Task<GatewayFleet> StartAsync(Topology topology, int instances, IReadOnlyDictionary<string, string?> extraEnvironment, IRunProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(extraEnvironment);
        ArgumentNullException.ThrowIfNull(progress);
        var redis = await RedisHost.StartAsync(cancellationToken).ConfigureAwait(false);
        var environment = FleetEnvironment(topology, redis);
        foreach (var (key, value) in extraEnvironment)
        {
            environment[key] = value;
        }

        // LOADTESTS_GATEWAY__X=Y wins over the scenario's own settings (experiments).
        foreach (var (key, value) in TopologyStarter.Passthrough("LOADTESTS_GATEWAY__"))
        {
            environment[key] = value;
        }

        var urls = Enumerable.Range(0, instances)
            .Select(_ => new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePort.Next()}/")))
            .ToList();
        var fleet = new GatewayFleet(redis, environment, urls);
        try
        {
            for (var i = 0; i < instances; i++)
            {
                progress.Note(string.Create(CultureInfo.InvariantCulture, $"Starting gateway instance {i + 1} on {urls[i]}"));
                await fleet.StartInstanceAsync(i, cancellationToken).ConfigureAwait(false);
            }

            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The running process of instance <paramref name="index"/>.</summary>
    public ProcessHost Instance(int index) => _instances[index] ?? throw new InvalidOperationException($"gateway instance {index + 1} is not running");

    /// <summary>Starts instance <paramref name="index"/> on its port and waits until its /readyz answers 200 (at most 90 s).</summary>
    public async Task StartInstanceAsync(int index, CancellationToken cancellationToken)
    {
        if (_instances[index] is { } previous)
        {
            await previous.DisposeAsync().ConfigureAwait(false);
        }

        _instances[index] = null;
        _instances[index] = await ProcessHost.StartDotnetAsync(
            Built.Dll("src/Gateway", "Gateway"),
            ["--urls", TopologyEnvironment.Origin(Urls[index])],
            _environment,
            RepoPaths.Root,
            readyLine: null,
            readyUrl: new Uri(Urls[index], "readyz"),
            s_startTimeout,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends SIGTERM to instance <paramref name="index"/> and waits until it exits, at most <paramref name="exitBound"/>
    /// (then SIGKILL). Meanwhile its own <c>/readyz</c> is polled every 100 ms (a new connection each time) to see
    /// whether it said "not ready" (503) before its port closed.
    /// </summary>
    public async Task<Termination> TerminateAsync(int index, TimeSpan exitBound)
    {
        var process = Instance(index);
        var started = Stopwatch.GetTimestamp();
        await Signals.SendAsync(process.ProcessId, "TERM").ConfigureAwait(false);
        using var probe = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, ConnectTimeout = TimeSpan.FromSeconds(1) })
        {
            Timeout = TimeSpan.FromSeconds(1),
        };
        TimeSpan? notReadyAfter = null;
        TimeSpan? portClosedAfter = null;
        var exited = process.WaitForExitAsync(exitBound);
        while (!exited.IsCompleted && portClosedAfter is null)
        {
            try
            {
                using var response = await probe.GetAsync(new Uri(Urls[index], "readyz")).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    notReadyAfter ??= Stopwatch.GetElapsedTime(started);
                }
            }
            catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError)
            {
                portClosedAfter = Stopwatch.GetElapsedTime(started);
            }
            catch (HttpRequestException)
            {
                // Reset mid-answer: the port is closing; the next probe tells.
            }
            catch (TaskCanceledException)
            {
                // Probe timeout under load; try again.
            }

            await Task.WhenAny(exited, Task.Delay(100)).ConfigureAwait(false);
        }

        var forced = false;
        try
        {
            await exited.ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            forced = true;
            await process.DisposeAsync().ConfigureAwait(false); // SIGKILL of the tree
        }

        var exitedAfter = Stopwatch.GetElapsedTime(started);
        return new Termination(forced ? null : process.ExitCode, exitedAfter, notReadyAfter, portClosedAfter ?? exitedAfter, forced);
    }

    /// <summary>Starts <c>tools/FrontDoor</c> on a free port in front of every instance and waits until it answers /readyz.</summary>
    public async Task<Uri> StartFrontDoorAsync(CancellationToken cancellationToken)
    {
        var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePort.Next()}/"));
        _frontDoor = await ProcessHost.StartDotnetAsync(
            Built.Dll("tools/FrontDoor", "FrontDoor"),
            ["--port", url.Port.ToString(CultureInfo.InvariantCulture), "--destinations", string.Join(',', Urls.Select(TopologyEnvironment.Origin))],
            null,
            RepoPaths.Root,
            readyLine: null,
            readyUrl: new Uri(url, "readyz"),
            s_startTimeout,
            cancellationToken).ConfigureAwait(false);
        FrontDoor = url;
        return url;
    }

    /// <summary>The front door's output tail (its retries are logged as warnings).</summary>
    public string FrontDoorOutput => _frontDoor?.Output ?? string.Empty;

    public async ValueTask DisposeAsync()
    {
        if (_frontDoor is not null)
        {
            await _frontDoor.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var instance in _instances)
        {
            if (instance is not null)
            {
                await instance.DisposeAsync().ConfigureAwait(false);
            }
        }

        await _redis.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The gateway environment of a fleet instance: the runner's LocalAws and backend, this Redis, one sealing key.</summary>
    private static Dictionary<string, string?> FleetEnvironment(Topology topology, RedisHost redis)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in TopologyEnvironment.Gateway(topology.LocalAws, topology.Backend))
        {
            env[key] = value;
        }

        env["TenantIsolation__SharedCache__Redis"] = redis.ConnectionString;
        env["TenantIsolation__SharedCache__Sealing__ActiveKeyId"] = "loadtests";
        env["TenantIsolation__SharedCache__Sealing__Keys__loadtests"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        // This shared 2-core machine runs at load averages of 10-40: a 250 ms Redis timeout (the default) trips the L2
        // circuit on scheduling delays alone, which measures the machine, not the fleet. LOADTESTS_GATEWAY__ overrides it.
        env["TenantIsolation__SharedCache__OperationTimeout"] = "00:00:01";
        env["TenantIsolation__SharedCache__BreakDuration"] = "00:00:01";
        return env;
    }
}

/// <summary>
/// How one instance stopped after SIGTERM: exit code (null when it had to be killed), when it exited, when its /readyz
/// first answered 503 (null: never seen) and when its port refused connections, all from the signal.
/// </summary>
internal sealed record Termination(int? ExitCode, TimeSpan ExitedAfter, TimeSpan? NotReadyAfter, TimeSpan PortClosedAfter, bool Forced)
{
    /// <summary>/readyz said "not ready" before the port closed (what a load balancer needs to stop routing in time).</summary>
    public bool NotReadyBeforeClose => NotReadyAfter is { } notReady && notReady <= PortClosedAfter;
}
