using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Gateway.Testing;
using Gateway.Tests.EndToEnd;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The gateway's real pipeline (<see cref="InProcessGateway"/>, real Kestrel and YARP on loopback) forwarding on an
/// anonymous, non-isolated route to a backend that is not listening and to one that never answers, with only the gateway
/// default forwarding timeout (<c>TenantIsolation:Forwarding:ActivityTimeout</c>, here 1 s; the cluster sets none).
/// Each failure has its twin: the same route to a backend that answers is forwarded.
/// </summary>
public sealed class ForwardingFailurePipelineTests : IAsyncLifetime
{
    private StallingBackend _backend = null!;
    private InProcessGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await StallingBackend.StartAsync();
        _gateway = await InProcessGateway.StartAsync(new Dictionary<string, string?>
        {
            ["TenantIsolation:Forwarding:ActivityTimeout"] = "00:00:01",
            ["ReverseProxy:Routes:stalling:ClusterId"] = "stalling",
            ["ReverseProxy:Routes:stalling:AuthorizationPolicy"] = "anonymous",
            ["ReverseProxy:Routes:stalling:Match:Path"] = "/stalling/{**rest}",
            ["ReverseProxy:Clusters:stalling:Destinations:d1:Address"] = _backend.Address.ToString(),
            ["ReverseProxy:Routes:nobody:ClusterId"] = "nobody",
            ["ReverseProxy:Routes:nobody:AuthorizationPolicy"] = "anonymous",
            ["ReverseProxy:Routes:nobody:Match:Path"] = "/nobody/{**rest}",
            ["ReverseProxy:Clusters:nobody:Destinations:d1:Address"] = $"http://127.0.0.1:{FreePort.Next()}/",
        });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(code, json.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("requestId").GetString()));
        return json.RootElement.Clone();
    }

    [Fact]
    public async Task HungBackend_DefaultForwardingTimeout_504BackendTimeoutWithinBound_TwinForwarded()
    {
        var clock = Stopwatch.StartNew();
        using var hung = await _gateway.Client.GetAsync("stalling/hang");
        var elapsed = clock.Elapsed;

        await ProblemAsync(hung, HttpStatusCode.GatewayTimeout, "backend_timeout");
        Assert.False(hung.Headers.Contains("Retry-After"));
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10)); // 1 s, not YARP's 100 s
        using var twin = await _gateway.Client.GetAsync("stalling/ok");
        Assert.Equal(HttpStatusCode.OK, twin.StatusCode);
        Assert.Equal("{\"ok\":true}", await twin.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task BackendStallsAfterTheHeaders_504BackendTimeout()
    {
        // The backend's headers arrived, its body never does: the client's response has not started yet.
        using var stalled = await _gateway.Client.GetAsync("stalling/stall-headers");

        await ProblemAsync(stalled, HttpStatusCode.GatewayTimeout, "backend_timeout");
    }

    [Fact]
    public async Task BackendStallsMidBody_ResponseAbortedNotPassedOffAsComplete_LoggedAsBackendFailure()
    {
        // 10 of 100 bytes reached the client, then the backend stalls: nothing can be written, the response is aborted.
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => _gateway.Client.GetAsync("stalling/stall-body"));

        var line = await EventuallyAsync(() => _gateway.Logs.Entries.FirstOrDefault(e => e.EventId.Id == 4002 && e.Message.Contains("cluster stalling", StringComparison.Ordinal)).Message);
        // YARP reports the timed-out read of a body already under way as ResponseBodyDestination (the socket read is
        // aborted), a stall before any body byte as ResponseBodyCanceled: either way a backend failure, never an allow.
        Assert.Matches("failed: ResponseBody(Destination|Canceled) .*; outcome backend_(unavailable|timeout), response already started, aborted", line);
    }

    private static async Task<string> EventuallyAsync(Func<string?> read)
    {
        for (var i = 0; i < 50; i++)
        {
            if (read() is { } value)
            {
                return value;
            }

            await Task.Delay(100);
        }

        Assert.Fail("no forwarding-failure log line (event 4002)");
        return string.Empty;
    }

    [Fact]
    public async Task BackendNotListening_502BackendUnavailableWithRetryAfter()
    {
        using var response = await _gateway.Client.GetAsync("nobody/anything");

        await ProblemAsync(response, HttpStatusCode.BadGateway, "backend_unavailable");
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        Assert.Contains(_gateway.Logs.Entries, e => e.EventId.Id == 4002 && e.Message.Contains("cluster nobody", StringComparison.Ordinal) && e.Message.Contains("Request", StringComparison.Ordinal));
    }
}
