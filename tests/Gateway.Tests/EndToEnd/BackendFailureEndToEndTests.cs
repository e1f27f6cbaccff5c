using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Real processes (LocalAws, gateway, backends): an allowed request whose backend is not listening is answered 502
/// <c>backend_unavailable</c>, one whose backend never answers 504 <c>backend_timeout</c> after the cluster's own 1 s
/// forwarding timeout — also for an organization sent to a route's legacy cluster — both problem+json with the
/// <c>requestId</c>, counted as their own outcome and not as <c>allow</c>. Each has its allow twin: the same request to
/// a backend that answers is forwarded (200).
/// </summary>
[Collection(GatewayStackDefinition.Name)]
[TestCaseOrderer(AlphabeticalOrderer.TypeName, "Gateway.Tests")]
public sealed partial class BackendFailureEndToEndTests(GatewayStackFixture stack)
{
    [GeneratedRegex("""(?m)^gateway_requests_total\{[^}]*outcome="(?<outcome>[a-z_]+)"[^}]*\} (?<value>\d+)""")]
    private static partial Regex RequestsSeries();

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(code, json.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("requestId").GetString()), body);
        return json.RootElement.Clone();
    }

    private async Task<Dictionary<string, long>> OutcomesAsync()
    {
        var metrics = await stack.Client.GetStringAsync("metrics");
        return RequestsSeries().Matches(metrics).GroupBy(m => m.Groups["outcome"].Value)
            .ToDictionary(g => g.Key, g => g.Sum(m => long.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task BackendNotListening_502BackendUnavailableWithRequestIdAndRetryAfter_TwinOnAnsweringBackend200()
    {
        var alice = await stack.TokenAsync("alice");

        using var down = await stack.SendAsync(HttpMethod.Get, "down/applications", alice, "acme");
        using var twin = await stack.SendAsync(HttpMethod.Get, "echo/applications", alice, "acme");

        var problem = await AssertProblemAsync(down, HttpStatusCode.BadGateway, "backend_unavailable");
        Assert.Equal(TimeSpan.FromSeconds(5), down.Headers.RetryAfter?.Delta);
        Assert.Contains(problem.GetProperty("requestId").GetString()!, stack.Gateway.Output, StringComparison.Ordinal);
        Assert.Contains("to cluster down failed: Request", stack.Gateway.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, twin.StatusCode);
    }

    [Fact]
    public async Task HungBackend_504BackendTimeoutWithinTheClustersOwnTimeout_TwinOnTheSameRoute200()
    {
        var alice = await stack.TokenAsync("alice");
        var received = stack.Stalling.Received;

        var clock = Stopwatch.StartNew();
        using var hung = await stack.SendAsync(HttpMethod.Get, "stalling/hang", alice, "acme");
        var elapsed = clock.Elapsed;
        using var twin = await stack.SendAsync(HttpMethod.Get, "stalling/ok", alice, "acme");

        await AssertProblemAsync(hung, HttpStatusCode.GatewayTimeout, "backend_timeout");
        Assert.False(hung.Headers.Contains("Retry-After"));
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10)); // the cluster's 1 s, not 20 s or 100 s
        Assert.Equal(HttpStatusCode.OK, twin.StatusCode);
        Assert.Equal("{\"ok\":true}", await twin.Content.ReadAsStringAsync());
        Assert.Equal(received + 2, stack.Stalling.Received); // both reached the backend: the 504 is the backend's silence
    }

    [Fact]
    public async Task LegacyRoutedOrganization_HungLegacyBackend_504BackendTimeout_TwinOnTheSameRoute200()
    {
        var alice = await stack.TokenAsync("alice");

        using var hung = await stack.SendAsync(HttpMethod.Get, "legacy/hang", alice, "acme");
        using var twin = await stack.SendAsync(HttpMethod.Get, "legacy/ok", alice, "acme");

        await AssertProblemAsync(hung, HttpStatusCode.GatewayTimeout, "backend_timeout");
        Assert.Equal(HttpStatusCode.OK, twin.StatusCode);
        Assert.Contains("route=\"legacy\"", stack.Gateway.Output, StringComparison.Ordinal);
        Assert.Contains("to cluster stalling failed: RequestTimedOut", stack.Gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_BackendFailures_CountedOnceAsTheirOwnOutcome_NotAsAllow()
    {
        var alice = await stack.TokenAsync("alice");
        var before = await OutcomesAsync();

        (await stack.SendAsync(HttpMethod.Get, "down/applications", alice, "acme")).Dispose();
        (await stack.SendAsync(HttpMethod.Get, "down/applications", alice, "acme")).Dispose();
        (await stack.SendAsync(HttpMethod.Get, "stalling/hang", alice, "acme")).Dispose();
        (await stack.SendAsync(HttpMethod.Get, "stalling/ok", alice, "acme")).Dispose();
        var after = await OutcomesAsync();

        long Delta(string outcome) => after.GetValueOrDefault(outcome) - before.GetValueOrDefault(outcome);
        Assert.Equal(2, Delta("backend_unavailable"));
        Assert.Equal(1, Delta("backend_timeout"));
        Assert.Equal(1, Delta("allow")); // only the twin that the backend answered
    }
}
