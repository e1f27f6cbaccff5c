using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Authentication;
using Gateway.Isolation.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The gateway's pipeline in process (<see cref="InProcessGateway"/>): what /metrics shows from start-up, how refusals
/// before the tenant pipeline are audited, and methods the proxy cannot forward. Metric values are not asserted exactly:
/// unit tests in the same process create meters with the same name, which the exporter also sees.
/// </summary>
public sealed partial class GatewayPipelineTests : IAsyncLifetime
{
    private InProcessGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await InProcessGateway.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [GeneratedRegex("""gateway_requests_total\{[^}]*outcome="(?<outcome>[a-z_]+)"[^}]*\} (?<value>\d+)""")]
    private static partial Regex RequestsSeries();

    [Fact]
    public async Task Metrics_BeforeAnyRequest_EveryOutcomeAndStsFailureSeriesExists()
    {
        var metrics = await _gateway.ScrapeAsync();

        var outcomes = RequestsSeries().Matches(metrics).Select(m => m.Groups["outcome"].Value).ToHashSet();
        foreach (var expected in (string[])["allow", "unauthenticated", "forbidden", "not_a_member", "membership_unavailable", "credentials_unavailable", "method_not_allowed", "internal_error"])
        {
            Assert.Contains(expected, outcomes);
        }

        Assert.Matches(@"(?m)^gateway_sts_failures_total(\{[^}]*\})? \d+", metrics);
        Assert.Matches(@"(?m)^gateway_sts_calls_total(\{[^}]*\})? \d+", metrics);
    }

    [Fact]
    public void Pipeline_GatewayAuthentication_MarkedSoTheHostAddsNoSecondAuthenticationMiddleware()
        => Assert.True(_gateway.Properties.ContainsKey(GatewayAuthenticationMiddleware.AuthenticationMiddlewareSetKey));

    [Fact]
    public void Pipeline_GatewayAuthorization_MarkedSoTheHostAddsNoSecondAuthorizationMiddleware()
        => Assert.True(_gateway.Properties.ContainsKey(GatewayAuthorizationMiddleware.AuthorizationMiddlewareSetKey));

    [Fact]
    public async Task Metrics_RuntimeCounters_AllocatedBytesAndCpuTimeExported()
    {
        var metrics = await _gateway.ScrapeAsync();

        Assert.Matches(@"(?m)^dotnet_gc_heap_total_allocated_bytes_total(\{[^}]*\})? \d+", metrics);
        Assert.Matches(@"(?m)^dotnet_process_cpu_time_seconds_total\{[^}]*cpu_mode=""user""[^}]*\} [\d.]+", metrics);
    }

    [Fact]
    public async Task Metrics_StsDuration_SubSecondBuckets()
    {
        _gateway.Services.GetRequiredService<IsolationMetrics>().StsCall(TimeSpan.FromMilliseconds(20), succeeded: true);

        var metrics = await _gateway.ScrapeAsync();

        Assert.Contains("gateway_sts_duration_seconds_bucket{", metrics, StringComparison.Ordinal);
        Assert.Matches(@"gateway_sts_duration_seconds_bucket\{[^}]*le=""0.005""", metrics);
        Assert.Matches(@"gateway_sts_duration_seconds_bucket\{[^}]*le=""0.025""", metrics);
        Assert.DoesNotMatch(@"gateway_sts_duration_seconds_bucket\{[^}]*le=""5000""", metrics);
    }

    [Fact]
    public async Task NoToken_401CountedAndAuditedOncePerSecond()
    {
        for (var i = 0; i < 20; i++)
        {
            using var response = await _gateway.Client.GetAsync("api/applications");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        var refused = _gateway.Logs.Entries.Where(e => e.EventId.Id == 6004).ToList();
        Assert.InRange(refused.Count, 1, 2); // 20 fast requests: at most one line per second
        Assert.Contains("code=\"unauthenticated\" reason=\"no_token\"", refused[0].Message, StringComparison.Ordinal);
        var unauthenticated = RequestsSeries().Matches(await _gateway.ScrapeAsync()).Single(m => m.Groups["outcome"].Value == "unauthenticated");
        Assert.True(long.Parse(unauthenticated.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 20);
    }

    [Fact]
    public async Task InvalidToken_401AuditedAsInvalidToken()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/applications");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer not-a-jwt");

        using var response = await _gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(_gateway.Logs.Entries, e => e.EventId.Id == 6004 && e.Message.Contains("reason=\"invalid_token\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("CONNECT")]
    [InlineData("TRACE")]
    [InlineData("TRACK")]
    [InlineData("FOO")]
    [InlineData("M-SEARCH")]
    [InlineData("QUERY")]
    public async Task UnforwardableMethod_405ProblemCountedAndAuditedNoErrorLogged_GetTwinReachesAuthentication(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "api/applications");
        request.Headers.Host = _gateway.Client.BaseAddress!.Authority;
        using var refused = await _gateway.Client.SendAsync(request);
        using var get = await _gateway.Client.GetAsync("api/applications");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], refused.Content.Headers.Allow);
        using var json = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal("method_not_allowed", json.RootElement.GetProperty("code").GetString());
        Assert.True(Count(await _gateway.ScrapeAsync(), "method_not_allowed") >= 1); // the series starts at 0; no other test refuses a method
        Assert.Contains(_gateway.Logs.Entries, e => e.EventId.Id == 6004 && e.Message.Contains("code=\"method_not_allowed\" reason=\"method_not_forwardable\"", StringComparison.Ordinal));
        Assert.DoesNotContain(_gateway.Logs.Entries, e => e.Level >= LogLevel.Error || e.Message.Contains("   at ", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    [InlineData("OPTIONS")]
    public async Task ForwardableMethod_ReachesAuthentication(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "api/applications");

        using var response = await _gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static long Count(string metrics, string outcome)
        => RequestsSeries().Matches(metrics).Where(m => m.Groups["outcome"].Value == outcome)
            .Sum(m => long.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture));
}
