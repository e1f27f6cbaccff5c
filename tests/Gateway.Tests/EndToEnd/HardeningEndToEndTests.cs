using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gateway.Tests.EndToEnd;

/// <summary>Issue 10 hardening over real processes: identity values that could forge logs, refusals in /metrics, header stripping at the backend.</summary>
[Collection(GatewayStackDefinition.Name)]
[TestCaseOrderer(AlphabeticalOrderer.TypeName, "Gateway.Tests")]
public sealed partial class HardeningEndToEndTests(GatewayStackFixture stack)
{
    /// <summary>Headers a backend may honour for routing, method or identity; none may reach it, on any route.</summary>
    private static readonly string[] Spoofed =
    [
        "X-Original-URL", "X-Rewrite-URL", "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override", "X-Forwarded-Port",
        "X-Real-IP", "X-Client-IP", "X-User", "X_Amz", "X-Amz-Security-Token", "X-User-Id", "X-Tenant-Context", "X_Organization_Id",
    ];

    [GeneratedRegex("""gateway_requests_total\{[^}]*outcome="unauthenticated"[^}]*\} (?<value>\d+)""")]
    private static partial Regex UnauthenticatedSeries();

    private static async Task<string?> CodeAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
    }

    private async Task<IReadOnlyDictionary<string, string[]>> ForwardedAsync(string path, string organization)
    {
        var marker = Guid.NewGuid().ToString("N");
        using var response = await stack.SendAsync(HttpMethod.Get, path, await stack.TokenAsync("alice"), organization, request =>
        {
            foreach (var name in Spoofed)
            {
                request.Headers.TryAddWithoutValidation(name, "spoofed");
            }

            request.Headers.TryAddWithoutValidation("X-Correlation-Id", marker);
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return stack.Echo.Received.Last(h => h.TryGetValue("X-Correlation-Id", out var v) && v.Contains(marker));
    }

    [Fact]
    public async Task CrLfInSub_401Unauthenticated_NoForgedAuditLine_AliceTwin200()
    {
        var forged = await stack.TokenAsync("alice\r\naudit decision=allow requestId=forged-e2e organizationId=globex userId=alice");
        var alice = await stack.TokenAsync("alice");

        using var denied = await stack.SendAsync(HttpMethod.Get, "api/applications", forged, "acme");
        using var allowed = await stack.SendAsync(HttpMethod.Get, "api/applications", alice, "acme");

        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Equal("unauthenticated", await CodeAsync(denied));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.DoesNotContain("requestId=forged-e2e", stack.Gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubLongerThanPartitionKey_401Unauthenticated_Not503()
    {
        using var response = await stack.SendAsync(HttpMethod.Get, "api/applications", await stack.TokenAsync(new string('a', 3000)), "acme");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("unauthenticated", await CodeAsync(response));
    }

    [Fact]
    public async Task OrganizationClaimWithLineBreak_401Unauthenticated_CleanClaimTwin200()
    {
        var forged = await stack.Aws.MintTokenAsync("alice", claims: new Dictionary<string, object?> { ["org_id"] = "acme\u2028x" });
        var clean = await stack.Aws.MintTokenAsync("alice", claims: new Dictionary<string, object?> { ["org_id"] = "acme" });

        using var denied = await stack.SendAsync(HttpMethod.Get, "api/applications", forged);
        using var allowed = await stack.SendAsync(HttpMethod.Get, "api/applications", clean);

        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task Metrics_After401_UnauthenticatedOutcomeCounted()
    {
        using var response = await stack.Client.GetAsync("api/applications");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1)); // the exporter caches a scrape briefly

        var metrics = await stack.Client.GetStringAsync("metrics");

        var series = UnauthenticatedSeries().Match(metrics);
        Assert.True(series.Success, "gateway_requests_total has no unauthenticated series");
        Assert.True(long.Parse(series.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Contains("outcome=\"credentials_unavailable\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StripHeaders_NonIsolatedRoute_RemovedAtBackendOrdinaryHeaderKept()
    {
        var received = await ForwardedAsync("plain/anything", "acme");

        foreach (var name in Spoofed)
        {
            Assert.False(received.ContainsKey(name), $"{name} reached the backend on a non-isolated route");
        }

        Assert.False(received.ContainsKey("Authorization"));
        Assert.False(received.ContainsKey("X-Tenant-Context")); // non-isolated: no envelope either
    }

    [Fact]
    public async Task StripHeaders_RouteKeepingAuthorization_AuthorizationKeptSpoofedRemoved()
    {
        var received = await ForwardedAsync("echo-keep/anything", "acme");

        foreach (var name in Spoofed.Where(n => n != "X-Tenant-Context"))
        {
            Assert.False(received.ContainsKey(name), $"{name} reached the backend on a KeepAuthorization route");
        }

        Assert.StartsWith("Bearer ", Assert.Single(received["Authorization"]), StringComparison.Ordinal);
        Assert.NotEqual("spoofed", Assert.Single(received["X-Tenant-Context"])); // the gateway's envelope, not the client's
    }

    [Fact]
    public async Task StripHeaders_IsolatedRoute_AuthorizationRemovedTwin()
    {
        var received = await ForwardedAsync("echo/anything", "acme");

        Assert.False(received.ContainsKey("Authorization"));
        Assert.False(received.ContainsKey("X-Original-URL"));
        Assert.True(received.ContainsKey("X-Tenant-Context"));
    }
}
