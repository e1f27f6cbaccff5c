using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Testing;

namespace Applications.Api.Tests;

/// <summary>
/// The sample API (real process) while its data store fails: LocalAws frozen (SIGSTOP), stopped, and restarted on the same
/// port (its STS sessions lived in memory, so the envelope's credentials are unknown to it). Interim answers are 503 with a
/// stable code and <c>Retry-After</c> — never a bare 500 and never <c>tenant_context_invalid</c> — and each has its allow
/// twin: the same request while the store is up, and a fresh credential set after the restart.
/// Own processes (not the shared collection's), because the test stops LocalAws.
/// </summary>
public sealed class DataStoreOutageTests : OwnApiProcessesTest
{
    // A fixed port: LocalAws is restarted where the API points.
    protected override LocalAwsHostOptions AwsOptions { get; } = new() { Port = FreePort.Next() };

    [Fact]
    public async Task DataStoreFrozenStoppedAndRestarted_503WithStableCodes_ThenFreshCredentialsSucceed()
    {
        using var client = CreateClient(TimeSpan.FromSeconds(30));
        var envelope = await SealAsync("alice", "acme");

        // Allow twin: the store is up.
        using (var up = await GetApplicationsAsync(client, envelope))
        {
            Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        }

        // Frozen (accepts connections, never answers): 503 within the default timeouts — 3 attempts × 2 s plus the SDK's
        // jittered back-off (up to 1 s, then 2 s), so at most ≈ 9 s on an idle machine. The bound is the one the
        // dependency-faults scenario uses for a hung answer (15 s): timers fire late on a loaded 2-core machine (10.2 s seen
        // in CI), and what this checks is that the request is answered 503 and not held until the client gives up (30 s).
        await SignalAsync(Aws.ProcessId, "STOP");
        try
        {
            var clock = Stopwatch.StartNew();
            using var frozen = await GetApplicationsAsync(client, envelope);
            clock.Stop();
            await AssertUnavailableAsync(frozen, "data_store_unavailable");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"a frozen store held the request {clock.Elapsed}");
        }
        finally
        {
            await SignalAsync(Aws.ProcessId, "CONT");
        }

        // Stopped (connection refused).
        await StopAwsAsync();
        using (var stopped = await GetApplicationsAsync(client, envelope))
        {
            await AssertUnavailableAsync(stopped, "data_store_unavailable");
            Assert.False(stopped.Headers.Contains("X-Tenant-Credentials-Rejected"));
        }

        // Restarted on the same port: the envelope's session is unknown there → the backend's own code and the header the
        // gateway's self-healing acts on; not tenant_context_invalid (the envelope itself is fine).
        await StartAwsAsync();
        using (var rejected = await GetApplicationsAsync(client, envelope))
        {
            await AssertUnavailableAsync(rejected, "tenant_credentials_rejected");
            Assert.Equal(["1"], rejected.Headers.GetValues("X-Tenant-Credentials-Rejected"));
        }

        // Allow twin: a credential set minted by the restarted store works at once, no restart of the API.
        using var fresh = await GetApplicationsAsync(client, await SealAsync("alice", "acme"));
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Contains("\"organizationId\":\"acme\"", await fresh.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("5005", ApiOutput, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> GetApplicationsAsync(HttpClient client, string envelope)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/applications");
        request.Headers.Add("X-Tenant-Context", envelope);
        return await client.SendAsync(request);
    }

    private static async Task AssertUnavailableAsync(HttpResponseMessage response, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(text);
        Assert.Equal(code, body.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("requestId").GetString()));
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
    }

    private static async Task SignalAsync(int processId, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, processId.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }
}
