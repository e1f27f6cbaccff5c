using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Gateway.Testing;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Rate limits against real processes: LocalAws (Organizations items with a real <c>tier</c> attribute, read by the
/// gateway with the AWS SDK), the sample API, a held backend, a dead destination and the gateway with
/// <c>TenantIsolation:RateLimits</c> on. Refill rates are slow (one token per 10 s) so a test's few requests see only the burst.
/// </summary>
public sealed class RateLimitEndToEndTests(RateLimitEndToEndTests.LimitedGateway stack) : IClassFixture<RateLimitEndToEndTests.LimitedGateway>
{
    [Fact]
    public async Task Request_TierFromTheOrganizationsItem_ItsBurstApplies_AbsentTierGetsTheDefault()
    {
        var enterprise = await stack.AdmittedAsync("rl-enterprise", 8);
        var plain = await stack.AdmittedAsync("rl-plain", 8);

        Assert.Equal(5, enterprise); // tier "enterprise" in the item: burst 5
        Assert.Equal(2, plain); // no tier attribute: the default tier, burst 2
    }

    [Fact]
    public async Task Request_UnknownTier_DefaultTierNeverUnlimited_OneWarning()
    {
        var admitted = await stack.AdmittedAsync("rl-unknown", 8);

        Assert.Equal(2, admitted);
        var warnings = stack.Topology.Gateway.Output.Split('\n').Count(line => line.Contains("platinum", StringComparison.Ordinal) && line.Contains("RateLimits:Tiers", StringComparison.Ordinal));
        Assert.Equal(1, warnings);
    }

    [Fact]
    public async Task Request_OverTheLimit_429ProblemWithRetryAfterAndHeaders_AllowedTwinCarriesRateLimit_OtherOrganizationUnaffected()
    {
        using var first = await stack.SendAsync("rl-limited");
        using var second = await stack.SendAsync("rl-limited");
        using var refused = await stack.SendAsync("rl-limited");
        using var other = await stack.SendAsync("rl-other"); // the same moment, another organization of the same tier

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("\"default\";q=2;w=20", Header(first, "RateLimit-Policy"));
        Assert.Equal("\"default\";r=1;t=10", Header(first, "RateLimit"));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal("organization_rate_limited", problem.RootElement.GetProperty("code").GetString());
        Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
        var retryAfter = int.Parse(Header(refused, "Retry-After"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 10); // the next token, at 0.1/s
        Assert.Equal("\"default\";q=2;w=20", Header(refused, "RateLimit-Policy"));
        Assert.StartsWith("\"default\";r=0;t=", Header(refused, "RateLimit"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal("\"default\";r=1;t=10", Header(other, "RateLimit"));
    }

    [Fact]
    public async Task Request_ConcurrencyLimit_SecondRefusedWhileFirstInFlight_SlotReleasedWhenTheResponseCompletes()
    {
        var inFlight = stack.SendAsync("rl-single", "/held/x");
        await WaitUntilAsync(() => stack.Held.Received >= 1);

        using var refused = await stack.SendAsync("rl-single", "/held/x");
        stack.Held.Release();
        using var completed = await inFlight;
        using var after = await stack.SendAsync("rl-single");

        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Request_ConcurrencyLimit_BackendUnreachable_SlotReleased()
    {
        using var failed = await stack.SendAsync("rl-single-dead", "/dead/x");
        using var after = await stack.SendAsync("rl-single-dead");

        Assert.True((int)failed.StatusCode >= 500, $"the dead destination answered {(int)failed.StatusCode}");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private static string Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : string.Empty;

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "the held backend never received the request");
    }

    /// <summary>The topology of these tests (started once for the class).</summary>
    public sealed class LimitedGateway : IAsyncLifetime
    {
        private static readonly string DeadPort = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        private HttpClient? _client;

        public GatewayTopology Topology { get; private set; } = null!;

        public HoldBackend Held => (HoldBackend)Topology.Backends["held"];

        public async Task InitializeAsync()
        {
            var environment = new Dictionary<string, string?>
            {
                ["TenantIsolation__RateLimits__Enabled"] = "true",
                ["TenantIsolation__RateLimits__DefaultTier"] = "default",
                // Replace the shipped tiers' values: one token per 10 s, so only the burst counts within a test.
                ["TenantIsolation__RateLimits__Tiers__default__RequestsPerSecond"] = "0.1",
                ["TenantIsolation__RateLimits__Tiers__default__Burst"] = "2",
                ["TenantIsolation__RateLimits__Tiers__default__ConcurrentRequests"] = "100",
                ["TenantIsolation__RateLimits__Tiers__enterprise__RequestsPerSecond"] = "0.1",
                ["TenantIsolation__RateLimits__Tiers__enterprise__Burst"] = "5",
                ["TenantIsolation__RateLimits__Tiers__single__ConcurrentRequests"] = "1",
            };
            foreach (var (cluster, path, address) in new[] { ("held", "/held/{**rest}", (string?)null), ("dead", "/dead/{**rest}", $"http://127.0.0.1:{DeadPort}/") })
            {
                environment[$"ReverseProxy__Routes__{cluster}__ClusterId"] = cluster;
                environment[$"ReverseProxy__Routes__{cluster}__AuthorizationPolicy"] = "tenant";
                environment[$"ReverseProxy__Routes__{cluster}__Match__Path"] = path;
                environment[$"ReverseProxy__Routes__{cluster}__Metadata__TenantIsolation"] = "true";
                environment[$"ReverseProxy__Routes__{cluster}__Transforms__0__PathPattern"] = "/{**rest}";
                environment[$"TenantIsolation__Envelopes__{cluster}__Current__KeyId"] = GatewayStackFixture.EchoKeyId;
                environment[$"TenantIsolation__Envelopes__{cluster}__Current__Key"] = GatewayStackFixture.EchoKey;
                if (address is not null)
                {
                    environment[TopologyEnvironment.ClusterDestination(cluster)] = address;
                }
            }

            Topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
            {
                SeedAsync = SeedAsync,
                Backends = new Dictionary<string, Func<CancellationToken, Task<ITopologyBackend>>> { ["held"] = async _ => await HoldBackend.StartAsync() },
                GatewayEnvironment = environment,
            });
            _client = Topology.CreateGatewayClient(TimeSpan.FromSeconds(30));
        }

        public async Task<HttpResponseMessage> SendAsync(string organization, string path = "/api/applications")
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Topology.Aws.MintTokenAsync("alice"));
            request.Headers.TryAddWithoutValidation("X-Organization-Id", organization);
            return await _client!.SendAsync(request);
        }

        /// <summary>How many of <paramref name="attempts"/> back-to-back requests were admitted; every other answer must be a 429.</summary>
        public async Task<int> AdmittedAsync(string organization, int attempts)
        {
            var admitted = 0;
            for (var i = 0; i < attempts; i++)
            {
                using var response = await SendAsync(organization);
                Assert.True(response.StatusCode is HttpStatusCode.OK or (HttpStatusCode)429, $"{organization}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                admitted += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
            }

            return admitted;
        }

        private static async Task SeedAsync(LocalAwsHost aws, CancellationToken cancellationToken)
        {
            using var dynamo = aws.CreateDynamoDbClient(aws.AdminCredentials);
            var organizations = new (string Id, string? Tier)[]
            {
                ("rl-enterprise", "enterprise"), ("rl-plain", null), ("rl-unknown", "platinum"), ("rl-limited", null), ("rl-other", null),
                ("rl-single", "single"), ("rl-single-dead", "single"),
            };
            foreach (var (org, tier) in organizations)
            {
                var item = new Dictionary<string, AttributeValue>
                {
                    ["organizationId"] = new() { S = org }, ["name"] = new() { S = org }, ["ownerId"] = new() { S = "alice" }, ["status"] = new() { S = "ACTIVE" },
                };
                if (tier is not null)
                {
                    item["tier"] = new AttributeValue { S = tier };
                }

                await dynamo.PutItemAsync(new PutItemRequest { TableName = "Organizations", Item = item }, cancellationToken);
                await dynamo.PutItemAsync(new PutItemRequest
                {
                    TableName = "OrganizationUsers",
                    Item = new() { ["userId"] = new() { S = "alice" }, ["organizationId"] = new() { S = org }, ["role"] = new() { S = "ADMINISTRATOR" } },
                }, cancellationToken);
            }
        }

        public async Task DisposeAsync()
        {
            _client?.Dispose();
            if (Topology is not null)
            {
                await Topology.DisposeAsync();
            }
        }
    }
}
