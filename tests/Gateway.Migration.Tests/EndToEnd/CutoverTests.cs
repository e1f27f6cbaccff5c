using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Testing;
using Xunit.Abstractions;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>
/// Per-organization cutover through the real gateway (LocalAws + dynalite, the gateway, the partitioned sample API, the
/// sample API in legacy mode as the legacy cluster, the migration as processes): 10 of 500 organizations are cut over
/// concurrently while traffic runs for all 500. Only those 10 ever see 503 organization_migrating; each goes legacy →
/// migrating → partitioned; afterwards they reach the partitioned backend with scoped credentials (a cross-tenant
/// attempt there is AccessDenied, its own-organization twin succeeds) and the other 490 still reach legacy; rollback
/// restores legacy routing.
/// </summary>
public sealed partial class CutoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Organizations = 500;
    private const int PerOrganization = 4;
    private static readonly int[] Migrated = [.. Enumerable.Range(0, 10).Select(i => 7 + (i * 50))];
    private static readonly Dictionary<string, string?> StatusTtl = new() { ["TenantIsolation__Membership__StatusTtl"] = "00:00:01" };
    private GatewayTopology _topology = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _work = Directory.CreateTempSubdirectory("cutover-").FullName;
        LocalAwsHost? aws = null;
        _topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            LocalAws = new LocalAwsHostOptions { Seed = false },
            SeedAsync = async (host, ct) =>
            {
                aws = host;
                using var admin = host.CreateDynamoDbClient(host.AdminCredentials, c => c.MaxErrorRetry = 3);
                await LegacyData.CreateAsync(admin, Organizations, PerOrganization, withMembers: true, cancellationToken: ct);
            },
            Backends = new Dictionary<string, Func<CancellationToken, Task<ITopologyBackend>>> { ["legacy"] = ct => LegacyBackend.StartAsync(aws!, ct) },
            GatewayEnvironment = new Dictionary<string, string?>(StatusTtl)
            {
                ["ReverseProxy__Routes__api__Metadata__TenantIsolation.LegacyCluster"] = "legacy",
                ["ReverseProxy__Routes__orgs__Metadata__TenantIsolation.LegacyCluster"] = "legacy", // every isolated route to the cluster, or start-up refuses
                ["Logging__LogLevel__Gateway.Audit"] = "Information",
            },
        });
    }

    public async Task DisposeAsync()
    {
        await _topology.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task CutoverOfTenWhileTrafficRunsForAll_OnlyThoseMigrate_ThenPartitionedAndIsolated_RollbackRestoresLegacy()
    {
        var migration = new MigrationRunner(_topology.Aws, _work);
        foreach (var (key, value) in StatusTtl)
        {
            migration.Environment[key] = value;
        }

        var plan = await migration.RunAsync("plan", "--source", LegacyData.Table, "--target", "Applications", "--organization-attribute", LegacyData.OrganizationAttribute);
        Assert.True(plan.ExitCode == 0, plan.ToString());
        var copy = await migration.RunAsync("copy", "--all", "--checkpoint", "copy.checkpoint");
        Assert.True(copy.ExitCode == 0, copy.ToString());

        var tokens = new Dictionary<int, string>();
        for (var o = 1; o <= Organizations; o++)
        {
            tokens[o] = await _topology.Aws.MintTokenAsync(LegacyData.User(o));
        }

        using var client = _topology.CreateGatewayClient();
        var seen = new ConcurrentDictionary<int, ConcurrentQueue<char>>();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        async Task TrafficAsync(IReadOnlyList<int> organizations, int offset)
        {
            for (var i = offset; !stop.IsCancellationRequested && i < 1_000_000; i++)
            {
                var o = organizations[i % organizations.Count];
                var observed = await ObserveAsync(client, tokens[o], o, stop.Token);
                if (observed != '\0')
                {
                    seen.GetOrAdd(o, _ => new ConcurrentQueue<char>()).Enqueue(observed);
                }
            }
        }

        var all = Enumerable.Range(1, Organizations).ToList();
        var traffic = new List<Task> { TrafficAsync(all, 0), TrafficAsync(all, 250), TrafficAsync(Migrated, 0), TrafficAsync(Migrated, 5) };
        await Task.Delay(1000);

        var clock = Stopwatch.StartNew();
        var cutovers = await Task.WhenAll(Migrated.Select(o => migration.RunAsync("cutover", "--organization", LegacyData.Organization(o), "--drain", "2")));
        output.WriteLine($"10 concurrent cutovers: {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.All(cutovers, c => Assert.True(c.ExitCode == 0, c.ToString()));
        await Task.Delay(1500); // the migrated organizations answer from the partitioned backend for a while
        await stop.CancelAsync();
        await Task.WhenAll(traffic.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

        output.WriteLine($"requests observed: {seen.Values.Sum(q => q.Count)}, fail-closed 503s under load: {seen.Values.Sum(q => q.Count(c => c == 'R'))}");
        foreach (var o in all)
        {
            // R (a fail-closed 503 credentials_unavailable / membership_unavailable under load) is allowed anywhere and removed.
            var sequence = (seen.TryGetValue(o, out var q) ? new string([.. q]) : string.Empty).Replace("R", string.Empty, StringComparison.Ordinal);
            if (Migrated.Contains(o))
            {
                // legacy (until the gateway sees MIGRATING) → 503 organization_migrating → partitioned (if traffic reached it before the
                // stop; checked for every one below); never back, nothing else
                Assert.True(MigratedSequence().IsMatch(sequence), $"{LegacyData.Organization(o)}: {sequence}");
            }
            else
            {
                Assert.False(NotLegacy().IsMatch(sequence), $"{LegacyData.Organization(o)}: {sequence}");
            }
        }

        Assert.True(all.Except(Migrated).Count(o => seen.ContainsKey(o)) > 100, "traffic reached too few other organizations");

        // afterwards: partitioned with scoped credentials; a cross-tenant attempt there is AccessDenied (and its twin is not)
        foreach (var o in Migrated)
        {
            using var own = await SendAsync(client, tokens[o], o, "/api/applications");
            var body = await own.Content.ReadAsStringAsync();
            Assert.True(own.StatusCode == HttpStatusCode.OK, body);
            using var json = JsonDocument.Parse(body);
            Assert.False(json.RootElement.TryGetProperty("source", out _), body);
            Assert.Equal(PerOrganization, json.RootElement.GetProperty("applications").GetArrayLength());
        }

        var a = Migrated[0];
        var neighbour = LegacyData.Organization(Migrated[1]);
        using (var cross = await SendAsync(client, tokens[a], a, $"/api/unsafe/applications?organizationId={neighbour}"))
        {
            var body = await cross.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Forbidden, cross.StatusCode);
            Assert.Contains("\"code\":\"tenant_access_denied\"", body, StringComparison.Ordinal);
        }

        using (var twin = await SendAsync(client, tokens[a], a, $"/api/unsafe/applications?organizationId={LegacyData.Organization(a)}"))
        {
            Assert.Equal(HttpStatusCode.OK, twin.StatusCode);
        }

        var stillLegacy = 8;
        using (var other = await SendAsync(client, tokens[stillLegacy], stillLegacy, "/api/applications"))
        {
            Assert.Contains("\"source\":\"legacy\"", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Contains("audit decision=legacy", _topology.Output, StringComparison.Ordinal);
        Assert.Contains("credentials=none", _topology.Output, StringComparison.Ordinal);

        // rollback restores legacy routing (within the status TTL)
        var rollback = await migration.RunAsync("rollback", "--organization", LegacyData.Organization(a));
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        var back = '\0';
        for (var attempt = 0; attempt < 40 && back != 'L'; attempt++)
        {
            await Task.Delay(100);
            back = await ObserveAsync(client, tokens[a], a, CancellationToken.None);
        }

        Assert.Equal('L', back);
    }

    /// <summary>
    /// L legacy, M 503 organization_migrating with Retry-After, P partitioned, R 503 credentials_unavailable /
    /// membership_unavailable with Retry-After (fail closed under machine load), X anything else; \0 when the traffic was stopped.
    /// </summary>
    private static async Task<char> ObserveAsync(HttpClient client, string token, int organization, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await SendAsync(client, token, organization, "/api/applications", cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.StatusCode switch
            {
                HttpStatusCode.OK => body.Contains("\"source\":\"legacy\"", StringComparison.Ordinal) ? 'L' : 'P',
                HttpStatusCode.ServiceUnavailable when body.Contains("\"code\":\"organization_migrating\"", StringComparison.Ordinal) && response.Headers.RetryAfter is not null => 'M',
                HttpStatusCode.ServiceUnavailable when (body.Contains("\"code\":\"credentials_unavailable\"", StringComparison.Ordinal) || body.Contains("\"code\":\"membership_unavailable\"", StringComparison.Ordinal)) && response.Headers.RetryAfter is not null => 'R',
                _ => 'X',
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return '\0';
        }
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string token, int organization, string path, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.Add("X-Organization-Id", LegacyData.Organization(organization));
        return client.SendAsync(request, cancellationToken);
    }

    [GeneratedRegex("^L*M+P*$")]
    private static partial Regex MigratedSequence();

    [GeneratedRegex("[^L]")]
    private static partial Regex NotLegacy();
}
