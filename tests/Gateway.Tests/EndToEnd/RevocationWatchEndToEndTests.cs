using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Gateway.Testing;
using Xunit.Abstractions;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Issue 24's "a fresh request for the revoked organization (after it is reactivated) works" for ONE gateway without Redis
/// (the README's <c>./run.sh</c>: no fleet <c>revoke</c> can evict), with real processes: LocalAws (+ dynalite) enforcing the
/// template, the gateway, the sample API reading DynamoDB with the envelope's credentials. The incident runbook — suspend →
/// <c>revoke --organization acme</c> (the CLI binary, the operator identity) → reactivate — then acme's next requests
/// succeed within <c>Revocations:PollInterval</c> plus a bound: the gateway read <c>tenant-revocations</c> with its own
/// identity and re-minted its cached acme set issued before the cut-off (which DynamoDB would refuse: 403
/// <c>tenant_access_denied</c>, as it did before the watcher), while globex's requests never fail meanwhile.
/// </summary>
public sealed class RevocationWatchEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(1);

    /// <summary>After reactivation: the status cache (2 s), one poll, the skew, and a loaded 2-core machine's slack.</summary>
    private static readonly TimeSpan Bound = PollInterval + ClockSkew + TimeSpan.FromSeconds(20);

    private GatewayTopology? _topology;
    private HttpClient? _client;

    private GatewayTopology Topology => _topology!;

    public async Task InitializeAsync()
    {
        _topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            GatewayEnvironment = new Dictionary<string, string?>
            {
                ["TenantIsolation__Revocations__PollInterval"] = PollInterval.ToString("c", CultureInfo.InvariantCulture),
                ["TenantIsolation__Revocations__ClockSkew"] = ClockSkew.ToString("c", CultureInfo.InvariantCulture),
            },
        });
        _client = Topology.CreateGatewayClient(TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }
    }

    [Fact]
    public async Task SingleGateway_SuspendRevokeReactivate_FreshRequestServedWithinThePollInterval_NeighbourNeverFails()
    {
        // Both organizations served; their credential sets are now cached in the gateway (issued before the cut-off to come).
        Assert.Equal("200", await StatusAsync("alice", "acme"));
        Assert.Equal("200", await StatusAsync("bob", "globex"));
        var ready = await ReadyAsync();
        Assert.Contains("\"revocations\":\"Healthy", ready, StringComparison.Ordinal); // the gateway may read tenant-revocations

        using var stop = new CancellationTokenSource();
        var globexLoop = Task.Run(async () =>
        {
            var seen = new List<string>();
            for (var i = 0; i < 1_000 && !stop.IsCancellationRequested; i++)
            {
                seen.Add(await StatusAsync("bob", "globex"));
                await Task.Delay(200);
            }

            return seen;
        });

        // The runbook: suspend → revoke → reactivate.
        await SetStatusAsync("acme", "SUSPENDED");
        Assert.Equal("403 organization_suspended", await UntilAsync("alice", "acme", "403 organization_suspended", TimeSpan.FromSeconds(20)));
        var revoke = await RevokeAsync("--organization", "acme", "--reason", "leaked envelope", "--timeout", "60");
        output.WriteLine(revoke.StandardOutput + revoke.StandardError);
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        Assert.Contains("proven: the cut-off took effect", revoke.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("re-mints its cached credentials of the organization issued before the cut-off", revoke.StandardOutput, StringComparison.Ordinal);

        await SetStatusAsync("acme", "ACTIVE");
        var reactivated = Stopwatch.StartNew();
        var seen = new List<string>();
        while (true)
        {
            var status = await StatusAsync("alice", "acme");
            seen.Add(status);
            if (status == "200" || reactivated.Elapsed > Bound)
            {
                break;
            }

            await Task.Delay(250);
        }

        output.WriteLine($"acme after reactivation ({reactivated.Elapsed.TotalSeconds:F1} s): {string.Join(", ", seen)}");
        Assert.Equal("200", seen[^1]);
        Assert.True(reactivated.Elapsed <= Bound, $"acme served only after {reactivated.Elapsed.TotalSeconds:F1} s");
        Assert.Equal("200", await StatusAsync("alice", "acme"));

        await stop.CancelAsync();
        var globex = await globexLoop;
        output.WriteLine($"globex: {globex.Count} requests during the runbook");
        Assert.True(globex.Count >= 5, $"only {globex.Count} globex requests ran");
        Assert.All(globex, s => Assert.Equal("200", s));
        Assert.Contains("\"revocations\":\"Healthy: 1 active revocation(s)", await ReadyAsync(), StringComparison.Ordinal);
    }

    private async Task<string> UntilAsync(string user, string organization, string expected, TimeSpan bound)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var status = await StatusAsync(user, organization);
            if (status == expected || elapsed.Elapsed > bound)
            {
                return status;
            }

            await Task.Delay(250);
        }
    }

    private async Task<string> ReadyAsync()
    {
        using var response = await _client!.GetAsync(new Uri("/readyz", UriKind.Relative));
        return await response.Content.ReadAsStringAsync();
    }

    private Task<string> StatusAsync(string user, string organization) => RunbookSteps.StatusAsync(Topology, _client!, user, organization);

    private Task SetStatusAsync(string organization, string status) => RunbookSteps.SetStatusAsync(Topology, organization, status);

    /// <summary>The gateway binary's <c>revoke</c> with the gateway's configuration and the operator's identity (LocalAws's <c>operator</c>).</summary>
    private Task<ProcessRun> RevokeAsync(params string[] args) => RunbookSteps.OperatorCliAsync(Topology, [], TimeSpan.FromMinutes(3), ["revoke", .. args]);
}
