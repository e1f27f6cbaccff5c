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
/// Issue 24's acceptance for <c>revoke</c>, with real processes: LocalAws (+ dynalite) enforcing the template, two gateway
/// instances sharing a redis-server (sealed L2, eviction backplane), and a backend built on <c>Gateway.Backend</c>
/// (<see cref="TenantBackend"/>). A request of acme that obtained its envelope — scoped credentials — before the revocation
/// is held across the incident runbook (suspend → <c>evict --organization</c> → <c>revoke --organization</c>), then
/// released: DynamoDB refuses its credentials and the backend answers 403 <c>tenant_access_denied</c>; a globex request
/// held the same way is answered 200 (the twin), and globex's traffic, running through both instances all along in a
/// bounded loop, never fails. After the cut-off acme is reactivated and a fresh request works on both instances — with a
/// set minted after the cut-off (the revocation denies every acme session issued before it, so a 200 from DynamoDB is
/// the proof; LocalAws counts the AssumeRole). The operator identity is LocalAws's <c>operator</c> user (the template's OperatorPrincipalArn), as in
/// <c>RevokeCommandProcessTests</c>.
/// </summary>
public sealed class RevokeEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The applications cluster's forwarding timeout here: below the gateway clients' 150 s, far above the runbook's 17-20 s under load.</summary>
    private static readonly TimeSpan HeldRequestTimeout = TimeSpan.FromMinutes(2);
    private GatewayTopology? _topology;
    private TenantBackend? _backend;
    private readonly List<HttpClient> _clients = [];

    private GatewayTopology Topology => _topology!;

    public async Task InitializeAsync()
    {
        Uri? aws = null;
        _topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            Instances = 2,
            SeedAsync = (host, _) =>
            {
                aws = host.Url;
                return Task.CompletedTask;
            },
            Backends = new Dictionary<string, Func<CancellationToken, Task<ITopologyBackend>>>
            {
                [TopologyEnvironment.ApplicationsCluster] = async _ => _backend = await TenantBackend.StartAsync(aws!),
            },
            GatewayEnvironment = new Dictionary<string, string?>
            {
                ["TenantIsolation__SharedCache__OperationTimeout"] = "00:00:02",
                ["TenantIsolation__SharedCache__BreakDuration"] = "00:00:02",
                // The held requests wait at the backend through the whole runbook (evict, then revoke with its proof), which
                // took 17-20 s on a loaded machine: longer than the gateway's default forwarding timeout (20 s), after which
                // the gateway answers 504 backend_timeout instead of what DynamoDB said. The cluster's own timeout (a
                // documented per-cluster setting) gives them room; it changes no answer the test checks.
                [$"ReverseProxy__Clusters__{TopologyEnvironment.ApplicationsCluster}__HttpRequest__ActivityTimeout"] = HeldRequestTimeout.ToString("c", CultureInfo.InvariantCulture),
            },
        });
        _clients.Add(Topology.CreateGatewayClient(0, TimeSpan.FromSeconds(150)));
        _clients.Add(Topology.CreateGatewayClient(1, TimeSpan.FromSeconds(150)));
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
    public async Task Runbook_HeldRequestOfTheRevokedOrganizationDenied_NeighboursNeverFail_ReactivatedOrganizationServedWithFreshCredentials()
    {
        // Before anything: both organizations served on both instances (their credential sets now cached in L1 and L2).
        for (var instance = 0; instance < 2; instance++)
        {
            Assert.Equal("200", await StatusAsync(instance, "alice", "acme"));
            Assert.Equal("200", await StatusAsync(instance, "bob", "globex"));
        }

        // globex's traffic throughout, bounded (at most 2,000 requests, and stopped at the end of the runbook).
        using var stop = new CancellationTokenSource();
        var globexLoop = Task.Run(async () =>
        {
            var seen = new List<string>();
            for (var i = 0; i < 2_000 && !stop.IsCancellationRequested; i++)
            {
                seen.Add(await StatusAsync(i % 2, "bob", "globex"));
                await Task.Delay(100);
            }

            return seen;
        });

        // Requests that obtained their envelope before the revocation, held by the backend: acme's (to be refused) and
        // globex's (the twin, on the other instance).
        var acmeHeld = StatusAsync(0, "alice", "acme", hold: "acme");
        var globexHeld = StatusAsync(1, "bob", "globex", hold: "globex");
        await _backend!.ReceivedAsync("acme");
        await _backend.ReceivedAsync("globex");
        var assumedBefore = (await Topology.Aws.GetStatsAsync()).AssumeRoleSucceeded;

        // The runbook: suspend → evict → revoke.
        await SetStatusAsync("acme", "SUSPENDED");
        var evict = await CliAsync("evict", "--organization", "acme");
        Assert.True(evict.ExitCode == 0, evict.ToString());
        Assert.StartsWith("evicted organization acme (its record, every user's memberships and every credential set):", evict.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("2 of 2 instances confirmed", evict.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("403 organization_suspended", await StatusAsync(0, "alice", "acme"));
        Assert.Equal("403 organization_suspended", await StatusAsync(1, "alice", "acme"));

        var revokeStarted = Stopwatch.StartNew();
        var revoke = await CliAsync("revoke", "--organization", "acme", "--reason", "leaked envelope", "--timeout", "60");
        output.WriteLine($"revoke ({revokeStarted.Elapsed.TotalSeconds:F1} s):\n{revoke.StandardOutput}{revoke.StandardError}");
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        Assert.Contains("proven: the cut-off took effect", revoke.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("caches: evicted organization acme", revoke.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("2 of 2 instances confirmed", revoke.StandardOutput, StringComparison.Ordinal);

        // The held requests go on to DynamoDB with the credentials they obtained before the cut-off.
        _backend.Release("acme");
        _backend.Release("globex");
        Assert.Equal("403 tenant_access_denied", await acmeHeld);
        Assert.Equal("200", await globexHeld);

        // Reactivated: a fresh request of acme works on both instances (the suspended record is cached for StatusTtl, 2 s).
        await SetStatusAsync("acme", "ACTIVE");
        for (var instance = 0; instance < 2; instance++)
        {
            var deadline = Stopwatch.StartNew();
            var seen = new List<string>();
            while (true)
            {
                var status = await StatusAsync(instance, "alice", "acme");
                seen.Add(status);
                if (status == "200" || deadline.Elapsed > TimeSpan.FromSeconds(20))
                {
                    break;
                }

                await Task.Delay(250);
            }

            output.WriteLine($"acme on instance {instance} after reactivation: {string.Join(", ", seen)}");
            Assert.Equal("200", seen[^1]);
            Assert.All(seen.SkipLast(1), s => Assert.Equal("403 organization_suspended", s)); // never the old, revoked set
        }

        // Fresh credentials: minted after the revocation (revoke's own proof sessions are AssumeRoles too, so at least one more).
        Assert.True((await Topology.Aws.GetStatsAsync()).AssumeRoleSucceeded > assumedBefore);

        await stop.CancelAsync();
        var globex = await globexLoop;
        output.WriteLine($"globex: {globex.Count} requests during the runbook");
        Assert.True(globex.Count >= 10, $"only {globex.Count} globex requests ran");
        Assert.All(globex, s => Assert.Equal("200", s));
    }

    private Task<string> StatusAsync(int instance, string user, string organization, string? hold = null)
        => RunbookSteps.StatusAsync(Topology, _clients[instance], user, organization, hold is null ? "/api/applications" : $"/api/applications?hold={hold}");

    private Task SetStatusAsync(string organization, string status) => RunbookSteps.SetStatusAsync(Topology, organization, status);

    /// <summary>The gateway binary's verb with the fleet's configuration and the operator's identity (LocalAws's operator user).</summary>
    private Task<ProcessRun> CliAsync(params string[] args) => RunbookSteps.OperatorCliAsync(Topology, Topology.SharedCacheEnvironment(), CliTimeout, args);
}
