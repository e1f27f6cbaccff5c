using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Gateway.Testing;
using Xunit.Abstractions;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// SIGTERM to a real gateway process under a keep-alive request loop (LocalAws, the gateway and a backend that can
/// answer slowly, on free loopback ports): /readyz answers 503 at once while /healthz stays 200, the port stays open for
/// <c>Shutdown:DrainDelay</c> and every response in it carries <c>Connection: close</c>, every request sent gets a
/// response, a request longer than the drain still completes 200, and the process exits 0. Before SIGTERM (the allow
/// twin) /readyz is 200 and no response closes its connection. The timeline is written to the test output.
/// </summary>
public sealed class GracefulShutdownTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    /// <summary>How long after SIGTERM the clients keep sending: a load balancer noticing the 503 within the drain delay.</summary>
    private static readonly TimeSpan LoadBalancerLag = TimeSpan.FromSeconds(1.5);

    /// <summary>The in-flight request's backend delay: longer than the drain delay, well within the timeout.</summary>
    private static readonly TimeSpan SlowRequest = TimeSpan.FromSeconds(6);

    private const int Workers = 4;
    private const int MaxRequestsPerWorker = 5_000;

    private GatewayTopology? _topology;

    private GatewayTopology Topology => _topology ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            Backends = new Dictionary<string, Func<CancellationToken, Task<ITopologyBackend>>>
            {
                [TopologyEnvironment.ApplicationsCluster] = async _ => await DelayBackend.StartAsync(),
            },
            GatewayEnvironment = new Dictionary<string, string?>
            {
                ["Shutdown__DrainDelay"] = DrainDelay.ToString("c", CultureInfo.InvariantCulture),
                ["Shutdown__Timeout"] = ShutdownTimeout.ToString("c", CultureInfo.InvariantCulture),
            },
        });
    }

    public async Task DisposeAsync()
    {
        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }
    }

    [Fact]
    public async Task Sigterm_UnderKeepAliveLoad_DrainsAnswersEveryRequestAndExitsZero()
    {
        var gateway = Topology.Gateway;
        var backend = (DelayBackend)Topology.Backends[TopologyEnvironment.ApplicationsCluster];
        var token = await Topology.Aws.MintTokenAsync("alice");
        var clock = Stopwatch.StartNew();
        long sigtermAtMs = long.MaxValue;

        // Allow twin: before SIGTERM /readyz is 200 (its shutdown check "serving") and responses keep their connection.
        using (var probe = NewClient())
        {
            using var ready = await probe.GetAsync("readyz");
            var readyBody = await ready.Content.ReadAsStringAsync();
            Assert.True(ready.StatusCode == HttpStatusCode.OK, $"/readyz before SIGTERM: {(int)ready.StatusCode} {readyBody}");
            Assert.Equal("Healthy: serving", ShutdownCheck(readyBody));
            using var first = await SendAsync(probe, "api/fast", token);
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.NotEqual(true, first.Headers.ConnectionClose);
        }

        // The loop: each worker one keep-alive connection at a time, until the "load balancer" stops sending.
        var results = new ConcurrentQueue<Outcome>();
        var sending = true;
        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            using var client = NewClient();
            for (var i = 0; i < MaxRequestsPerWorker && Volatile.Read(ref sending); i++)
            {
                var sentAt = clock.ElapsedMilliseconds;
                try
                {
                    using var response = await SendAsync(client, "api/fast", token);
                    results.Enqueue(new Outcome(sentAt, clock.ElapsedMilliseconds, (int)response.StatusCode, response.Headers.ConnectionClose == true, null));
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    results.Enqueue(new Outcome(sentAt, clock.ElapsedMilliseconds, 0, false, $"{ex.GetType().Name}: {ex.Message}"));
                }
            }
        })).ToArray();

        // A request in flight longer than the drain delay.
        using var slowClient = NewClient();
        var slow = Task.Run(async () =>
        {
            using var response = await SendAsync(slowClient, $"api/slow?delayMs={(int)SlowRequest.TotalMilliseconds}", token);
            return (Status: response.StatusCode, At: clock.ElapsedMilliseconds, Close: response.Headers.ConnectionClose == true);
        });
        await backend.DelayedRequestArrived.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await Task.Delay(300);

        Volatile.Write(ref sigtermAtMs, clock.ElapsedMilliseconds);
        await gateway.SignalAsync("TERM");
        var prober = Task.Run(() => ProbeUntilClosedAsync(clock));
        // A second SIGTERM is ignored: the sequence already under way goes on (docs/deploy.md).
        await Task.Delay(300);
        await gateway.SignalAsync("TERM");

        await Task.Delay(LoadBalancerLag - TimeSpan.FromMilliseconds(300));
        Volatile.Write(ref sending, false);
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
        var probes = await prober.WaitAsync(TimeSpan.FromSeconds(60));
        var (slowStatus, slowAt, slowClose) = await slow.WaitAsync(TimeSpan.FromSeconds(60));
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var exitedAt = clock.ElapsedMilliseconds;

        var all = results.ToArray();
        var t0 = sigtermAtMs;
        output.WriteLine($"requests {all.Length}, after SIGTERM {all.Count(o => o.SentAt >= t0)}; /readyz 503 at +{probes.Readyz503At - t0} ms; " +
            $"port closed at +{probes.PortClosedAt - t0} ms; slow request answered {(int)slowStatus} at +{slowAt - t0} ms; exit {gateway.ExitCode} at +{exitedAt - t0} ms");

        var unanswered = all.Where(o => o.Error is not null).ToList();
        if (unanswered.Count > 0)
        {
            Assert.Fail($"{unanswered.Count} of {all.Length} requests got no response, the first sent at +{unanswered[0].SentAt - t0} ms: {unanswered[0].Error}\n{gateway.Output}");
        }

        Assert.All(all, o => Assert.Equal(200, o.Status));
        Assert.Contains(all, o => o.SentAt >= t0);

        // Before SIGTERM no response closed its connection; once /readyz said 503 every one did.
        var before = all.Where(o => o.ReceivedAt < t0).ToList();
        var draining = all.Where(o => o.SentAt >= probes.Readyz503At).ToList();
        Assert.NotEmpty(before);
        Assert.DoesNotContain(before, o => o.ConnectionClose);
        Assert.NotEmpty(draining);
        Assert.All(draining, o => Assert.True(o.ConnectionClose, $"a response sent at +{o.SentAt - t0} ms (during the drain) kept its connection"));

        // /readyz 503 at once, the port open for the drain delay, /healthz 200 all along.
        Assert.True(probes.Readyz503At - t0 < 1_000, $"/readyz answered 503 only at +{probes.Readyz503At - t0} ms");
        Assert.True(probes.Readyz503At < probes.PortClosedAt, "the port closed before /readyz answered 503");
        Assert.True(probes.PortClosedAt - t0 >= DrainDelay.TotalMilliseconds * 0.9, $"the port closed at +{probes.PortClosedAt - t0} ms, within the {DrainDelay.TotalSeconds} s drain delay");
        Assert.Equal("Unhealthy: draining: the gateway is shutting down", ShutdownCheck(probes.Readyz503Body));
        Assert.True(probes.HealthzDuringDrain > 0, "/healthz was not probed during the drain");
        Assert.True(probes.HealthzFailures.Count == 0, $"/healthz failed during the drain: {string.Join("; ", probes.HealthzFailures)}");

        // The request in flight across the drain completed, after the port closed, and the process exited 0.
        Assert.Equal(HttpStatusCode.OK, slowStatus);
        Assert.True(slowAt > probes.PortClosedAt, $"the slow request answered at +{slowAt - t0} ms, before the port closed at +{probes.PortClosedAt - t0} ms");
        Assert.True(slowClose, "the last response on a connection Kestrel closes carries Connection: close");
        Assert.True(gateway.ExitCode == 0, $"exit code {gateway.ExitCode}\n{gateway.Output}");
        Assert.Contains("Shutdown requested: /readyz answers 503", gateway.Output, StringComparison.Ordinal);
        Assert.Contains("Drain delay over after", gateway.Output, StringComparison.Ordinal);
        Assert.Contains("every request in flight finished", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>Polls /readyz and /healthz (a new connection each time) until the port refuses connections.</summary>
    private async Task<Probes> ProbeUntilClosedAsync(Stopwatch clock)
    {
        long readyz503At = long.MaxValue;
        string readyz503Body = string.Empty;
        var healthzFailures = new List<string>();
        var healthzDuringDrain = 0;
        var deadline = clock.Elapsed + DrainDelay + TimeSpan.FromSeconds(30);
        while (clock.Elapsed < deadline)
        {
            using var client = NewClient();
            client.DefaultRequestHeaders.ConnectionClose = true;
            try
            {
                using var ready = await client.GetAsync("readyz");
                if (ready.StatusCode == HttpStatusCode.ServiceUnavailable && readyz503At == long.MaxValue)
                {
                    readyz503At = clock.ElapsedMilliseconds;
                    readyz503Body = await ready.Content.ReadAsStringAsync();
                }

                if (readyz503At != long.MaxValue)
                {
                    using var live = await client.GetAsync("healthz");
                    healthzDuringDrain++;
                    if (live.StatusCode != HttpStatusCode.OK)
                    {
                        healthzFailures.Add($"{(int)live.StatusCode} at {clock.ElapsedMilliseconds} ms");
                    }
                }
            }
            catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
                // The listener closing while this probe's connection sat in its accept backlog: the kernel resets it.
                // Only the probe (a fresh connection with no request in flight yet) reads a reset as "closed"; the load
                // loops count every reset as a request without a response.
                or IOException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionReset } })
            {
                return new Probes(readyz503At, readyz503Body, clock.ElapsedMilliseconds, healthzDuringDrain, healthzFailures);
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("the gateway's port did not close");
    }

    private HttpClient NewClient() => new(new SocketsHttpHandler { MaxConnectionsPerServer = 1 })
    {
        BaseAddress = Topology.GatewayUrl,
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("X-Organization-Id", "acme");
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static string? ShutdownCheck(string readyzBody)
    {
        using var json = JsonDocument.Parse(readyzBody);
        return json.RootElement.GetProperty("checks").TryGetProperty("shutdown", out var check) ? check.GetString() : null;
    }

    private sealed record Outcome(long SentAt, long ReceivedAt, int Status, bool ConnectionClose, string? Error);

    private sealed record Probes(long Readyz503At, string Readyz503Body, long PortClosedAt, int HealthzDuringDrain, List<string> HealthzFailures);
}
