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
            },
        });
        Client = _topology.CreateGatewayClient();
    }

    /// <summary>An organization only the tracing test uses (olivia, ADMINISTRATOR): its first request misses the credential cache.</summary>
    public const string TracedOrganization = "traced";
    public const string TracedUser = "olivia";

    private static async Task SeedAsync(LocalAwsHost aws, CancellationToken cancellationToken)
    {
        using var dynamo = aws.CreateDynamoDbClient(aws.AdminCredentials);
        await dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = "Organizations",
            Item = new() { ["organizationId"] = new AttributeValue { S = TracedOrganization }, ["name"] = new AttributeValue { S = "Traced" }, ["ownerId"] = new AttributeValue { S = TracedUser }, ["status"] = new AttributeValue { S = "ACTIVE" } },
        }, cancellationToken);
        await dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = "OrganizationUsers",
            Item = new() { ["userId"] = new AttributeValue { S = TracedUser }, ["organizationId"] = new AttributeValue { S = TracedOrganization }, ["role"] = new AttributeValue { S = "ADMINISTRATOR" } },
        }, cancellationToken);
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
