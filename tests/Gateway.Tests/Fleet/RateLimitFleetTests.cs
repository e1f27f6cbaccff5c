using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Amazon.DynamoDBv2.Model;
using Gateway.Tests.EndToEnd;
using Gateway.Testing;

namespace Gateway.Tests.Fleet;

/// <summary>
/// An organization's limit is the fleet's: three real gateway processes sharing one redis-server admit about the
/// organization's limit together, not three times it; with Redis killed each instance falls back to limit / 3 (never
/// unlimited, never refusing everyone). The tests run in name order: A (fleet-wide) before B (Redis killed).
/// </summary>
[TestCaseOrderer(AlphabeticalOrderer.TypeName, "Gateway.Tests")]
public sealed class RateLimitFleetTests(RateLimitFleetTests.Fleet fleet, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<RateLimitFleetTests.Fleet>
{
    private const double Rate = 5;
    private const int Burst = 5;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task A_ThreeInstancesOneRedis_CombinedAdmittedRateIsTheOrganizationsLimitNotThreeTimesIt()
    {
        var perInstance = await fleet.FloodAsync("rlf-shared", [0, 1, 2], Duration);

        var admitted = perInstance.Sum(r => r.Admitted);
        output.WriteLine(Describe(perInstance));
        var expected = Burst + (Rate * perInstance.Max(r => r.ElapsedSeconds)); // ~25 for 4 s (the last request may end later)
        Assert.True(perInstance.Sum(r => r.Refused) > admitted, $"not enough pressure: {Describe(perInstance)}");
        Assert.True(perInstance.Max(r => r.ElapsedSeconds) < 10, Describe(perInstance));
        Assert.InRange(admitted, expected * 0.7, expected * 1.3); // three independent limits would admit ~75
        Assert.All(perInstance, r => Assert.True(r.Admitted > 0, Describe(perInstance)));
    }

    [Fact]
    public async Task B_RedisKilled_EachInstanceFallsBackToLimitOverExpectedInstances_NeverUnlimitedNeverRefusingEveryone()
    {
        await fleet.Topology.Redis.KillAsync();
        try
        {
            var result = (await fleet.FloodAsync("rlf-fallback", [0], Duration)).Single();
            output.WriteLine(Describe([result]) + string.Create(CultureInfo.InvariantCulture, $", slowest {result.SlowestMs:0} ms"));

            // Local share on instance 0: rate 5/3 per second, burst ceil(5/3) = 2 → about 2 + 6.7 ≈ 9 in 4 s; the whole
            // fleet's limit on one instance would be ~25, unlimited ~all of them, refusing everyone 0.
            var expected = Math.Ceiling(Burst / 3.0) + (Rate / 3 * result.ElapsedSeconds);
            Assert.InRange(result.Admitted, expected * 0.6, expected * 1.4);
            Assert.True(result.Refused > result.Admitted, $"admitted {result.Admitted}, refused {result.Refused}");
            Assert.True(result.SlowestMs < 1500, $"a request took {result.SlowestMs} ms with Redis down (budget 250 ms)");
            Assert.Contains("cannot be reached in time", fleet.Topology.Gateways[0].Output, StringComparison.Ordinal);
        }
        finally
        {
            await fleet.Topology.Redis.RestartAsync();
        }
    }

    private static string Describe(IEnumerable<FloodResult> results)
        => string.Join("; ", results.Select((r, i) => string.Create(CultureInfo.InvariantCulture, $"#{i}: {r.Admitted} admitted, {r.Refused} refused in {r.ElapsedSeconds:0.0} s")));

    /// <param name="ElapsedSeconds">From the start of the flood to the last answer (the window the bucket refilled in).</param>
    public sealed record FloodResult(int Admitted, int Refused, double SlowestMs, double ElapsedSeconds = 0);

    /// <summary>Three gateways + redis-server + LocalAws + the sample API, with one rate-limit tier for everyone.</summary>
    public sealed class Fleet : IAsyncLifetime
    {
        private readonly List<HttpClient> _clients = [];

        public GatewayTopology Topology { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
            {
                Instances = 3,
                SeedAsync = SeedAsync,
                GatewayEnvironment = new Dictionary<string, string?>
                {
                    ["TenantIsolation__RateLimits__Enabled"] = "true",
                    ["TenantIsolation__RateLimits__ExpectedInstances"] = "3",
                    ["TenantIsolation__RateLimits__Tiers__default__RequestsPerSecond"] = Rate.ToString(CultureInfo.InvariantCulture),
                    ["TenantIsolation__RateLimits__Tiers__default__Burst"] = Burst.ToString(CultureInfo.InvariantCulture),
                    ["TenantIsolation__RateLimits__Tiers__default__ConcurrentRequests"] = "1000",
                    ["TenantIsolation__SharedCache__BreakDuration"] = "00:00:30",
                },
            });
            for (var i = 0; i < 3; i++)
            {
                _clients.Add(Topology.CreateGatewayClient(i, TimeSpan.FromSeconds(30)));
            }
        }

        /// <summary>Four request loops per instance in <paramref name="instances"/> for <paramref name="duration"/>, one organization; counts per instance.</summary>
        public async Task<IReadOnlyList<FloodResult>> FloodAsync(string organization, int[] instances, TimeSpan duration)
        {
            var token = await Topology.Aws.MintTokenAsync("alice");
            // Warm the membership and credential caches outside the measured window (a 429 or a 200: either spends one token).
            foreach (var instance in instances)
            {
                using var warm = await SendAsync(instance, token, organization);
            }

            await Task.Delay(TimeSpan.FromSeconds(Burst / Rate)); // the bucket is full again
            var clock = Stopwatch.StartNew();
            var results = await Task.WhenAll(instances.Select(async instance =>
            {
                var loops = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
                {
                    int admitted = 0, refused = 0;
                    double slowest = 0;
                    while (clock.Elapsed < duration)
                    {
                        var started = Stopwatch.GetTimestamp();
                        using var response = await SendAsync(instance, token, organization);
                        slowest = Math.Max(slowest, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            admitted++;
                        }
                        else
                        {
                            Assert.Equal((HttpStatusCode)429, response.StatusCode);
                            refused++;
                        }
                    }

                    return new FloodResult(admitted, refused, slowest);
                }));
                return new FloodResult(loops.Sum(l => l.Admitted), loops.Sum(l => l.Refused), loops.Max(l => l.SlowestMs), clock.Elapsed.TotalSeconds);
            }));
            return results;
        }

        private async Task<HttpResponseMessage> SendAsync(int instance, string token, string organization)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/applications");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.TryAddWithoutValidation("X-Organization-Id", organization);
            return await _clients[instance].SendAsync(request);
        }

        private static async Task SeedAsync(LocalAwsHost aws, CancellationToken cancellationToken)
        {
            using var dynamo = aws.CreateDynamoDbClient(aws.AdminCredentials);
            foreach (var org in new[] { "rlf-shared", "rlf-fallback" })
            {
                await dynamo.PutItemAsync(new PutItemRequest
                {
                    TableName = "Organizations",
                    Item = new() { ["organizationId"] = new() { S = org }, ["name"] = new() { S = org }, ["ownerId"] = new() { S = "alice" }, ["status"] = new() { S = "ACTIVE" } },
                }, cancellationToken);
                await dynamo.PutItemAsync(new PutItemRequest
                {
                    TableName = "OrganizationUsers",
                    Item = new() { ["userId"] = new() { S = "alice" }, ["organizationId"] = new() { S = org }, ["role"] = new() { S = "ADMINISTRATOR" } },
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
}
