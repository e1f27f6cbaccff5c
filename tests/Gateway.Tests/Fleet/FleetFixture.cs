using System.Globalization;
using System.Net.Http.Headers;
using Amazon.DynamoDBv2.Model;
using Gateway.Testing;

namespace Gateway.Tests.Fleet;

/// <summary>
/// Three gateway instances sharing one redis-server (sealed L2, fleet lock, eviction backplane), the sample API and
/// LocalAws, as real processes. Memberships are cached for <see cref="PositiveTtl"/> so the TTL twin of the evict test
/// stays short. Organizations <c>fleet-0</c>…<c>fleet-39</c> (ACTIVE; alice ADMINISTRATOR) are untouched until a test uses them.
/// </summary>
public sealed class FleetFixture : IAsyncLifetime
{
    public const int Instances = 3;
    public static readonly TimeSpan PositiveTtl = TimeSpan.FromSeconds(15);
    private readonly List<HttpClient> _clients = [];
    private int _nextOrganization;

    public GatewayTopology Topology { get; private set; } = null!;

    public IReadOnlyList<HttpClient> Clients => _clients;

    public async Task InitializeAsync()
    {
        Topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            Instances = Instances,
            SeedAsync = SeedAsync,
            GatewayEnvironment = new Dictionary<string, string?>
            {
                ["TenantIsolation__Membership__PositiveTtl"] = PositiveTtl.ToString("c", CultureInfo.InvariantCulture),
                // Generous on a shared CI machine: a slow answer must not open the L2 circuit in the single-flight test.
                ["TenantIsolation__SharedCache__OperationTimeout"] = "00:00:02",
                ["TenantIsolation__SharedCache__BreakDuration"] = "00:00:02",
            },
            // These tests are about the gateways' caches, not the backend's data-store bounds (DataStoreFailureTests
            // own those): 200 concurrent first requests reach one LocalAws through the sample API at once, and on a
            // loaded 2-core machine its connects and queries exceed the production defaults (1 s / 2 s per attempt),
            // which answers 503 data_store_unavailable instead of the 200 these tests check.
            SampleApiEnvironment = new Dictionary<string, string?>
            {
                ["TenantContext__DynamoDb__Timeout"] = "00:00:15",
                ["TenantContext__DynamoDb__ConnectTimeout"] = "00:00:10",
            },
        });
        for (var i = 0; i < Instances; i++)
        {
            _clients.Add(Topology.CreateGatewayClient(i, TimeSpan.FromSeconds(30)));
        }
    }

    /// <summary>An organization no test used before (its first request is a miss everywhere).</summary>
    public string FreshOrganization() => string.Create(CultureInfo.InvariantCulture, $"fleet-{Interlocked.Increment(ref _nextOrganization) - 1}");

    public async Task<HttpResponseMessage> SendAsync(int instance, string user, string organization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/applications");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Topology.Aws.MintTokenAsync(user));
        request.Headers.TryAddWithoutValidation("X-Organization-Id", organization);
        return await _clients[instance].SendAsync(request);
    }

    /// <summary>The sum of a Prometheus counter's samples on one instance's <c>/metrics</c>.</summary>
    public async Task<double> CounterAsync(int instance, string name)
    {
        var text = await _clients[instance].GetStringAsync("/metrics");
        return text.Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && (line.Length == name.Length || line[name.Length] is ' ' or '{'))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// True once the counter on <paramref name="instance"/> exceeds <paramref name="before"/>, false after 5 s (the
    /// Prometheus exporter caches its scrape for a moment, so a single read right after a request can be stale).
    /// </summary>
    public async Task<bool> CounterExceedsAsync(int instance, string name, double before)
    {
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (await CounterAsync(instance, name) > before)
            {
                return true;
            }

            if (elapsed.Elapsed > TimeSpan.FromSeconds(5))
            {
                return false;
            }

            await Task.Delay(200);
        }
    }

    public async Task PutMembershipAsync(string user, string organization, string role = "ADMINISTRATOR")
    {
        using var dynamo = Topology.Aws.CreateDynamoDbClient(Topology.Aws.AdminCredentials);
        await dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = "OrganizationUsers",
            Item = new() { ["userId"] = new AttributeValue { S = user }, ["organizationId"] = new AttributeValue { S = organization }, ["role"] = new AttributeValue { S = role } },
        });
    }

    public async Task DeleteMembershipAsync(string user, string organization)
    {
        using var dynamo = Topology.Aws.CreateDynamoDbClient(Topology.Aws.AdminCredentials);
        await dynamo.DeleteItemAsync(new DeleteItemRequest
        {
            TableName = "OrganizationUsers",
            Key = new() { ["userId"] = new AttributeValue { S = user }, ["organizationId"] = new AttributeValue { S = organization } },
        });
    }

    /// <summary>The gateway binary's environment for CLI runs (<c>evict</c>): the Local environment plus the fleet's shared cache.</summary>
    public Dictionary<string, string?> CliEnvironment()
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in TopologyEnvironment.Gateway(Topology.Aws.Url, Topology.ApplicationsUrl))
        {
            env[key] = value;
        }

        foreach (var (key, value) in Topology.SharedCacheEnvironment())
        {
            env[key] = value;
        }

        return env;
    }

    private static async Task SeedAsync(LocalAwsHost aws, CancellationToken cancellationToken)
    {
        using var dynamo = aws.CreateDynamoDbClient(aws.AdminCredentials);
        for (var i = 0; i < 40; i++)
        {
            var org = string.Create(CultureInfo.InvariantCulture, $"fleet-{i}");
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = "Organizations",
                Item = new() { ["organizationId"] = new AttributeValue { S = org }, ["name"] = new AttributeValue { S = org }, ["ownerId"] = new AttributeValue { S = "alice" }, ["status"] = new AttributeValue { S = "ACTIVE" } },
            }, cancellationToken);
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = "OrganizationUsers",
                Item = new() { ["userId"] = new AttributeValue { S = "alice" }, ["organizationId"] = new AttributeValue { S = org }, ["role"] = new AttributeValue { S = "ADMINISTRATOR" } },
            }, cancellationToken);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        if (Topology is not null)
        {
            await Topology.DisposeAsync();
        }
    }
}
