using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Testing;
using Xunit.Abstractions;

namespace Gateway.Tests.Fleet;

/// <summary>
/// Rejected credentials heal themselves, with real processes: two gateway instances sharing a redis-server, the sample API
/// and LocalAws. LocalAws is restarted on its port (it kept its STS sessions in memory, so every credential set the
/// gateway cached is now unknown to the data store): the backend answers 503 <c>tenant_credentials_rejected</c> with
/// <c>X-Tenant-Credentials-Rejected: 1</c>, the gateway drops that set (L1, L2, the other instance) and the next request
/// succeeds with a new one — no gateway restart, never 401 <c>tenant_context_invalid</c>, the header never reaches the
/// client. One AssumeRole re-mints the organization for the whole fleet; another organization's set is not touched by it
/// (it heals on its own first report); <c>/readyz</c> is Degraded (200) during the cooldown, Healthy after.
/// Own topology: the test restarts LocalAws.
/// </summary>
public sealed class RejectedCredentialsTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Short, so the test sees /readyz go back to Healthy; the documented default is 30 s.</summary>
    private static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(10);

    /// <summary>The documented bound: the request after the rejected one succeeds. Slack for a loaded 2-core machine.</summary>
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(10);

    private GatewayTopology? _topology;
    private readonly List<HttpClient> _clients = [];

    public async Task InitializeAsync()
    {
        _topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            Instances = 2,
            GatewayEnvironment = new Dictionary<string, string?>
            {
                // The restarted LocalAws signs tokens with a new key: pick it up quickly.
                ["Authentication__SigningKeyRefreshInterval"] = "00:00:02",
                ["TenantIsolation__Cache__RejectionCooldown"] = Cooldown.ToString("c", CultureInfo.InvariantCulture),
                ["TenantIsolation__SharedCache__OperationTimeout"] = "00:00:02",
                ["TenantIsolation__SharedCache__BreakDuration"] = "00:00:02",
            },
        });
        _clients.Add(_topology.CreateGatewayClient(0));
        _clients.Add(_topology.CreateGatewayClient(1));
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }
    }

    [Fact]
    public async Task LocalAwsRestarted_RejectedSetDroppedFleetWide_NextRequestSucceedsWithoutAGatewayRestart()
    {
        var topology = _topology!;
        var alice = await topology.Aws.MintTokenAsync("alice");
        var bob = await topology.Aws.MintTokenAsync("bob");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(0, alice, "acme")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(1, alice, "acme")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(0, bob, "globex")).Status);
        Assert.Equal("Healthy", (await ReadyAsync(0)).Checks["credentials"].Split(':')[0]);

        await topology.RestartLocalAwsAsync();
        var restarted = Stopwatch.StartNew();
        alice = await topology.Aws.MintTokenAsync("alice");
        bob = await topology.Aws.MintTokenAsync("bob");

        // acme on instance 0: while the gateway has not fetched the new signing key, 401 unauthenticated (the gateway's
        // own refusal, nothing forwarded); then the cached set reaches the backend and is rejected; then it is healed.
        var (seen, healedAfter) = await UntilOkAsync(0, alice, "acme");
        output.WriteLine($"acme on instance 0: {string.Join(", ", seen)}; 200 {restarted.Elapsed.TotalSeconds:F2} s after the restart, {healedAfter.TotalSeconds:F2} s after the first rejection");
        Assert.Contains("503 tenant_credentials_rejected", seen);
        Assert.All(seen, s => Assert.True(s is "401 unauthenticated" or "503 tenant_credentials_rejected", s));
        Assert.Equal(1, seen.Count(s => s == "503 tenant_credentials_rejected"));
        Assert.True(healedAfter < RecoveryBound, $"healed only {healedAfter} after the first rejection");

        // Instance 1 held the same set in L1: the announcement dropped it, so its first authenticated request is a 200
        // with the set instance 0 minted (from L2) — one AssumeRole for the fleet.
        var (seenOnOne, _) = await UntilOkAsync(1, alice, "acme");
        Assert.DoesNotContain("503 tenant_credentials_rejected", seenOnOne);
        Assert.Equal(1, (await topology.Aws.GetStatsAsync()).AssumeRoleSucceeded);

        // Deny: acme's report re-minted acme's set only — globex's (cached before the restart) was not touched, so its first
        // request is rejected by the data store. Twin: globex heals on its own report at once.
        var (globex, _) = await UntilOkAsync(0, bob, "globex");
        Assert.Equal(["503 tenant_credentials_rejected"], globex);
        Assert.Equal(2, (await topology.Aws.GetStatsAsync()).AssumeRoleSucceeded);

        // /readyz: Degraded (still 200) on both instances during the cooldown, with a description saying so.
        foreach (var instance in new[] { 0, 1 })
        {
            var ready = await ReadyAsync(instance);
            Assert.Equal(HttpStatusCode.OK, ready.Status);
            Assert.Equal("Degraded", ready.Overall);
            Assert.StartsWith("Degraded: the data store rejected a credential set", ready.Checks["credentials"], StringComparison.Ordinal);
        }

        Assert.True(await DroppedAtLeastAsync(0, 2), await _clients[0].GetStringAsync("/metrics"));

        // Back to Healthy once the cooldown is over.
        var healthy = Stopwatch.StartNew();
        while ((await ReadyAsync(0)).Overall != "Healthy")
        {
            Assert.True(healthy.Elapsed < Cooldown + TimeSpan.FromSeconds(10), "/readyz stayed Degraded after the cooldown");
            await Task.Delay(250);
        }

        Assert.StartsWith("Healthy: no credential set rejected", (await ReadyAsync(0)).Checks["credentials"], StringComparison.Ordinal);
    }

    /// <summary>
    /// Sends until 200 (at most 30 s) and returns the non-200 answers as "status code" and the time from the first
    /// rejection to the 200. Every answer is checked: problem+json, and no X-Tenant-Credentials-Rejected for the client.
    /// </summary>
    private async Task<(List<string> Seen, TimeSpan HealedAfter)> UntilOkAsync(int instance, string token, string organization)
    {
        var seen = new List<string>();
        var clock = Stopwatch.StartNew();
        Stopwatch? sinceRejection = null;
        while (true)
        {
            var (status, code, rejectedHeader) = await SendAsync(instance, token, organization);
            Assert.False(rejectedHeader, "X-Tenant-Credentials-Rejected reached the client");
            if (status == HttpStatusCode.OK)
            {
                return (seen, sinceRejection?.Elapsed ?? TimeSpan.Zero);
            }

            var answer = $"{(int)status} {code}";
            seen.Add(answer);
            Assert.NotEqual("401 tenant_context_invalid", answer);
            if (code == "tenant_credentials_rejected")
            {
                sinceRejection ??= Stopwatch.StartNew();
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"no 200 from instance {instance} for {organization}: {string.Join(", ", seen.TakeLast(5))}\n{_topology!.Output}");
            if (status == HttpStatusCode.Unauthorized)
            {
                await Task.Delay(200);
            }
        }
    }

    private async Task<(HttpStatusCode Status, string? Code, bool RejectedHeader)> SendAsync(int instance, string token, string organization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/applications");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("X-Organization-Id", organization);
        using var response = await _clients[instance].SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        string? code = null;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var body = JsonDocument.Parse(text);
            code = body.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        }

        return (response.StatusCode, code, response.Headers.Contains("X-Tenant-Credentials-Rejected") || response.Content.Headers.Contains("X-Tenant-Credentials-Rejected"));
    }

    private async Task<(HttpStatusCode Status, string Overall, Dictionary<string, string> Checks)> ReadyAsync(int instance)
    {
        using var response = await _clients[instance].GetAsync("/readyz");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = body.RootElement.GetProperty("checks").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        return (response.StatusCode, body.RootElement.GetProperty("status").GetString()!, checks);
    }

    /// <summary>True once <c>gateway_credentials_rejected_total{outcome="dropped"}</c> reaches <paramref name="least"/> (the exporter caches a scrape briefly).</summary>
    private async Task<bool> DroppedAtLeastAsync(int instance, double least)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            var text = await _clients[instance].GetStringAsync("/metrics");
            var match = Regex.Match(text, @"(?m)^gateway_credentials_rejected_total\{[^}]*outcome=""dropped""[^}]*\} (\d+)");
            if (match.Success && double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) >= least)
            {
                return true;
            }

            await Task.Delay(250);
        }

        return false;
    }
}
