using System.Net.Http.Headers;
using System.Security.Cryptography;
using Amazon.DynamoDBv2.Model;
using Gateway.Envelopes;
using Gateway.Testing;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// LocalAws (STS + IAM-enforcing DynamoDB + dev tokens), the sample Applications.Api backend, an echo backend, and the
/// gateway, started by Gateway.Testing's <see cref="GatewayTopology"/> with the shared environment overrides plus the
/// echo routes and test settings below, all on free loopback ports. Shared by the end-to-end collection; every process
/// is stopped on dispose.
/// </summary>
public sealed class GatewayStackFixture : IAsyncLifetime
{
    public const string EchoKeyId = "echo-1";
    public static readonly string EchoKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));

    private GatewayTopology? _topology;

    public GatewayTopology Topology => _topology ?? throw new InvalidOperationException("The stack is not started.");

    public LocalAwsHost Aws => Topology.Aws;

    public ProcessHost Backend => Topology.SampleApi;

    public ProcessHost Gateway => Topology.Gateway;

    public EchoBackend Echo => (EchoBackend)Topology.Backends["echo"];

    /// <summary>The backend of cluster <c>stalling</c> (forwarding timeout 1 s): <c>/ok</c> answers, <c>/hang</c> never does.</summary>
    public StallingBackend Stalling => (StallingBackend)Topology.Backends["stalling"];

    /// <summary>A loopback port nothing listens on: the destination of cluster <c>down</c>.</summary>
    public static int DownPort { get; } = FreePort.Next();

    public HttpClient Client { get; private set; } = null!;

    public TenantEnvelopeReader EchoReader { get; } = new([EnvelopeKey.FromBase64(EchoKeyId, EchoKey)], "tenant-gateway", "echo", TimeProvider.System);

    public async Task InitializeAsync()
    {
        _topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            SeedAsync = SeedAsync,
            Backends = new Dictionary<string, Func<CancellationToken, Task<ITopologyBackend>>>
            {
                ["echo"] = async _ => await EchoBackend.StartAsync(),
                ["stalling"] = async _ => await StallingBackend.StartAsync(),
            },
            GatewayEnvironment = new Dictionary<string, string?>
            {
                // A second isolated route to a backend that records exactly what it received.
                ["ReverseProxy__Routes__echo__ClusterId"] = "echo",
                ["ReverseProxy__Routes__echo__AuthorizationPolicy"] = "tenant",
                ["ReverseProxy__Routes__echo__Match__Path"] = "/echo/{**rest}",
                ["ReverseProxy__Routes__echo__Metadata__TenantIsolation"] = "true",
                ["ReverseProxy__Routes__echo__Transforms__0__PathPattern"] = "/{**rest}",
                ["TenantIsolation__Envelopes__echo__Current__KeyId"] = EchoKeyId,
                ["TenantIsolation__Envelopes__echo__Current__Key"] = EchoKey,
                // Forwarding failures (BackendFailureEndToEndTests): an isolated route to a backend nobody listens for, one to a
                // backend that may hang with a 1 s forwarding timeout of its own, and a legacy route whose legacy cluster is
                // that one (every seeded organization has no dataLocation, so it is legacy-routed there).
                ["ReverseProxy__Routes__down__ClusterId"] = "down",
                ["ReverseProxy__Routes__down__AuthorizationPolicy"] = "tenant",
                ["ReverseProxy__Routes__down__Match__Path"] = "/down/{**rest}",
                ["ReverseProxy__Routes__down__Metadata__TenantIsolation"] = "true",
                ["ReverseProxy__Routes__down__Transforms__0__PathPattern"] = "/{**rest}",
                [TopologyEnvironment.ClusterDestination("down")] = $"http://127.0.0.1:{DownPort}/",
                ["TenantIsolation__Envelopes__down__Current__KeyId"] = EchoKeyId,
                ["TenantIsolation__Envelopes__down__Current__Key"] = EchoKey,
                ["ReverseProxy__Routes__stalling__ClusterId"] = "stalling",
                ["ReverseProxy__Routes__stalling__AuthorizationPolicy"] = "tenant",
                ["ReverseProxy__Routes__stalling__Match__Path"] = "/stalling/{**rest}",
                ["ReverseProxy__Routes__stalling__Metadata__TenantIsolation"] = "true",
                ["ReverseProxy__Routes__stalling__Transforms__0__PathPattern"] = "/{**rest}",
                ["ReverseProxy__Clusters__stalling__HttpRequest__ActivityTimeout"] = "00:00:01",
                ["TenantIsolation__Envelopes__stalling__Current__KeyId"] = EchoKeyId,
                ["TenantIsolation__Envelopes__stalling__Current__Key"] = EchoKey,
                ["ReverseProxy__Routes__legacy__ClusterId"] = "migrated",
                ["ReverseProxy__Routes__legacy__AuthorizationPolicy"] = "tenant",
                ["ReverseProxy__Routes__legacy__Match__Path"] = "/legacy/{**rest}",
                ["ReverseProxy__Routes__legacy__Metadata__TenantIsolation"] = "true",
                ["ReverseProxy__Routes__legacy__Metadata__TenantIsolation.LegacyCluster"] = "stalling",
                ["ReverseProxy__Routes__legacy__Transforms__0__PathPattern"] = "/{**rest}",
                [TopologyEnvironment.ClusterDestination("migrated")] = $"http://127.0.0.1:{DownPort}/",
                ["TenantIsolation__Envelopes__migrated__Current__KeyId"] = EchoKeyId,
                ["TenantIsolation__Envelopes__migrated__Current__Key"] = EchoKey,
                // Header stripping on a non-isolated route and on an isolated route that keeps Authorization (HardeningEndToEndTests).
                ["ReverseProxy__Routes__plain__ClusterId"] = "echo",
                ["ReverseProxy__Routes__plain__AuthorizationPolicy"] = "tenant",
                ["ReverseProxy__Routes__plain__Match__Path"] = "/plain/{**rest}",
                ["ReverseProxy__Routes__plain__Transforms__0__PathPattern"] = "/{**rest}",
                ["ReverseProxy__Routes__echokeep__ClusterId"] = "echo",
                ["ReverseProxy__Routes__echokeep__AuthorizationPolicy"] = "tenant",
                ["ReverseProxy__Routes__echokeep__Match__Path"] = "/echo-keep/{**rest}",
                ["ReverseProxy__Routes__echokeep__Metadata__TenantIsolation"] = "true",
                ["ReverseProxy__Routes__echokeep__Metadata__TenantIsolation.KeepAuthorization"] = "true",
                ["ReverseProxy__Routes__echokeep__Transforms__0__PathPattern"] = "/{**rest}",
                // Fast STS failure for the fault tests; gateway internals at Debug for the secret scan (allow audit events stay
                // filtered so the 64 KiB captured tail holds the whole run; denials are logged).
                ["TenantIsolation__Sts__MaxRetries"] = "1",
                ["TenantIsolation__Sts__RetryBaseDelay"] = "00:00:00.050",
                ["TenantIsolation__Sts__AttemptTimeout"] = "00:00:01",
                ["TenantIsolation__Sts__TotalTimeout"] = "00:00:03",
                ["Logging__LogLevel__Gateway"] = "Debug",
                ["Logging__LogLevel__Default"] = "Debug",
                ["Logging__LogLevel__Microsoft"] = "Information",
                ["Logging__LogLevel__System"] = "Information",
            },
        });
        Client = Topology.CreateGatewayClient(TimeSpan.FromSeconds(20));
    }

    /// <summary>A SUSPENDED organization where alice is ADMINISTRATOR (the twin of her ACTIVE acme).</summary>
    public const string SuspendedOrganization = "on-hold";

    /// <summary>Organizations only these tests use, so their first request is a guaranteed credential-cache miss, and
    /// a suspended organization alice belongs to.</summary>
    private static async Task SeedAsync(LocalAwsHost aws, CancellationToken cancellationToken)
    {
        using var dynamo = aws.CreateDynamoDbClient(aws.AdminCredentials);
        foreach (var (org, status) in (IEnumerable<(string, string)>)[("flight", "ACTIVE"), ("faulty", "ACTIVE"), (SuspendedOrganization, "SUSPENDED")])
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = "Organizations",
                Item = new() { ["organizationId"] = new AttributeValue { S = org }, ["name"] = new AttributeValue { S = org }, ["ownerId"] = new AttributeValue { S = "alice" }, ["status"] = new AttributeValue { S = status } },
            }, cancellationToken);
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = "OrganizationUsers",
                Item = new() { ["userId"] = new AttributeValue { S = "alice" }, ["organizationId"] = new AttributeValue { S = org }, ["role"] = new AttributeValue { S = "ADMINISTRATOR" } },
            }, cancellationToken);
        }
    }

    public Task<string> TokenAsync(string sub, string? audience = null, int? expiresInSeconds = null) => Aws.MintTokenAsync(sub, audience, expiresInSeconds);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, string? organization = null, Action<HttpRequestMessage>? configure = null, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (organization is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Organization-Id", organization);
        }

        configure?.Invoke(request);
        return await Client.SendAsync(request);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }
    }
}
