using System.Net.Http.Headers;
using Amazon.DynamoDBv2.Model;
using Gateway.Testing;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// One topology for the observability tests: LocalAws, the sample API and the gateway, both exporting traces to an
/// in-test <see cref="OtlpReceiver"/> (OTLP/HTTP), the gateway writing JSON console logs with every allow audited.
/// </summary>
public sealed class ObservabilityFixture : IAsyncLifetime
{
    private GatewayTopology? _topology;

    public GatewayTopology Topology => _topology ?? throw new InvalidOperationException("Not started.");

    public OtlpReceiver Receiver { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = await OtlpReceiver.StartAsync();
        var otlp = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Receiver.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        };
        _topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            SeedAsync = SeedAsync,
            SampleApiEnvironment = otlp,
            GatewayEnvironment = new Dictionary<string, string?>(otlp)
            {
                ["Logging__Console__FormatterName"] = "json",
                ["Auditing__AllowSampleRate"] = "1",
                // Continuous verification on (its failure counter is exported at 0); the first run is an hour away.
                ["TenantIsolation__Verification__Interval"] = "01:00:00",
                // The metrics test's injected STS throttling must retry, not open the circuit for the other tests.
                ["TenantIsolation__Sts__CircuitMinimumThroughput"] = "100",
            },
        });
        Client = _topology.CreateGatewayClient();
    }

    /// <summary>An organization only the tracing test uses (olivia, ADMINISTRATOR): its first request misses the credential cache.</summary>
    public const string TracedOrganization = "traced";
    public const string TracedUser = "olivia";

    /// <summary>An organization only the metrics test uses (mia, MEMBER): its first STS calls meet an injected fault.</summary>
    public const string MeteredOrganization = "metered";
    public const string MeteredUser = "mia";

    private static async Task SeedAsync(LocalAwsHost aws, CancellationToken cancellationToken)
    {
        using var dynamo = aws.CreateDynamoDbClient(aws.AdminCredentials);
        foreach (var (organization, user, role) in new[] { (TracedOrganization, TracedUser, "ADMINISTRATOR"), (MeteredOrganization, MeteredUser, "MEMBER") })
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = "Organizations",
                Item = new() { ["organizationId"] = new AttributeValue { S = organization }, ["name"] = new AttributeValue { S = organization }, ["ownerId"] = new AttributeValue { S = user }, ["status"] = new AttributeValue { S = "ACTIVE" } },
            }, cancellationToken);
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = "OrganizationUsers",
                Item = new() { ["userId"] = new AttributeValue { S = user }, ["organizationId"] = new AttributeValue { S = organization }, ["role"] = new AttributeValue { S = role } },
            }, cancellationToken);
        }
    }

    public async Task<HttpResponseMessage> GetApplicationsAsync(string user, string organization, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/applications");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? await Topology.Aws.MintTokenAsync(user));
        request.Headers.TryAddWithoutValidation("X-Organization-Id", organization);
        return await Client.SendAsync(request);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }

        if (Receiver is not null)
        {
            await Receiver.DisposeAsync();
        }
    }
}
