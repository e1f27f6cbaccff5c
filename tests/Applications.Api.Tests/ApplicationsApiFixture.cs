using System.Security.Cryptography;
using Amazon.SecurityToken.Model;
using Gateway.Envelopes;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Gateway.Testing;

namespace Applications.Api.Tests;

/// <summary>
/// Real processes, started by Gateway.Testing's <see cref="GatewayTopology"/> without the gateway: LocalAws (STS +
/// IAM-enforcing DynamoDB over dynalite, seeded with the demo data) and the sample Applications.Api pointed at it. Envelopes are built the way the gateway builds them: STS AssumeRole with the
/// gateway's credentials and the session policy from <see cref="SessionPolicyBuilder"/>. The API runs as in production
/// (ASPNETCORE_ENVIRONMENT=Production): its envelope key is a fresh secret per run, given through the environment.
/// </summary>
public sealed class ApplicationsApiFixture : IAsyncLifetime
{
    public const string Audience = "applications";
    public const string KeyId = "e2e-1";
    public static readonly string KeyBase64 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));

    private readonly List<string> _issuedSecrets = [];
    private readonly Lock _gate = new();
    private GatewayTopology? _topology;

    public LocalAwsHost Aws => _topology?.Aws ?? throw new InvalidOperationException("LocalAws is not started.");

    public HttpClient Api { get; private set; } = null!;

    public string ApiOutput => _topology?.SampleApi.Output ?? string.Empty;

    public IReadOnlyList<string> IssuedSecrets
    {
        get
        {
            lock (_gate)
            {
                return [.. _issuedSecrets];
            }
        }
    }

    public static PermissionSet ReadWrite { get; } = new()
    {
        Name = "read-write",
        Tables = [new TableAccess { TableName = "Applications", PartitionKey = "organizationId", Read = true, Write = true }],
    };

    public static PermissionSet ReadOnly { get; } = new()
    {
        Name = "read-only",
        Tables = [new TableAccess { TableName = "Applications", PartitionKey = "organizationId", Read = true }],
    };

    public async Task InitializeAsync()
    {
        _topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            StartGateway = false,
            StartTimeout = TimeSpan.FromSeconds(60),
            SampleApiEnvironment = new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["TenantContext__Keys__0__KeyId"] = KeyId,
                ["TenantContext__Keys__0__Key"] = KeyBase64,
                ["Logging__LogLevel__Default"] = "Debug",
            },
        });
        Api = new HttpClient { BaseAddress = _topology.ApplicationsUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        if (_topology is null)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("APPLICATIONS_E2E_DUMP") is { Length: > 0 } dump)
        {
            // Diagnostics on request: the processes' output (never contains secrets; the tests check that).
            await File.WriteAllTextAsync(Path.Combine(dump, "localaws.log"), Aws.Output);
            await File.WriteAllTextAsync(Path.Combine(dump, "applications-api.log"), ApiOutput);
        }

        Api?.Dispose();
        await _topology.DisposeAsync();
    }

    /// <summary>What the gateway would attach for (user, org, role): real scoped STS credentials in a sealed envelope.</summary>
    public async Task<string> EnvelopeAsync(string userId, string organizationId, string role, PermissionSet permissionSet, string? keyBase64 = null, int shards = 1)
    {
        var (envelope, credentials) = await SealAsync(Aws, userId, organizationId, role, permissionSet, keyBase64 ?? KeyBase64, shards);
        lock (_gate)
        {
            _issuedSecrets.Add(credentials.SecretAccessKey);
            _issuedSecrets.Add(credentials.SessionToken);
        }

        return envelope;
    }

    /// <summary>Real scoped STS credentials from <paramref name="aws"/>, sealed under <paramref name="keyBase64"/> as the gateway would.</summary>
    public static async Task<(string Envelope, Credentials Credentials)> SealAsync(
        LocalAwsHost aws, string userId, string organizationId, string role, PermissionSet permissionSet, string keyBase64, int shards = 1)
    {
        ArgumentNullException.ThrowIfNull(aws);
        ArgumentNullException.ThrowIfNull(permissionSet);
        var organization = OrganizationId.Parse(organizationId);
        // A sharded organization's session policy (its {org}#k keys) comes with issue 23 items 1-2; until then its
        // sessions carry the tenant role's own permissions only (no session policy), the stand-in the fan-out tests use.
        var policy = shards == 1
            ? new SessionPolicyBuilder(new AwsScope { Region = LocalAwsHost.Region, AccountId = LocalAwsHost.AccountId }).Build(organization, permissionSet)
            : null;
        using var sts = aws.CreateStsClient(aws.GatewayCredentials);
        var response = await sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = LocalAwsHost.TenantRoleArn,
            RoleSessionName = SessionNames.RoleSessionName(organization, permissionSet.Name, userId),
            SourceIdentity = SessionNames.SourceIdentity(userId),
            Policy = policy?.Json,
            DurationSeconds = 900,
        });
        var credentials = response.Credentials;
        var writer = new TenantEnvelopeWriter(EnvelopeKey.FromBase64(KeyId, keyBase64), "tenant-gateway", TimeProvider.System);
        return (writer.Write(
            new TenantEnvelope
            {
                OrganizationId = organizationId,
                UserId = userId,
                Role = role,
                RequestId = "test-" + Guid.NewGuid().ToString("N")[..12],
                PermissionSet = permissionSet.Name,
                AccessKeyId = credentials.AccessKeyId,
                SecretAccessKey = credentials.SecretAccessKey,
                SessionToken = credentials.SessionToken,
                CredentialExpiration = new DateTimeOffset(credentials.Expiration!.Value.ToUniversalTime(), TimeSpan.Zero),
                Shards = shards,
            },
            Audience,
            TimeSpan.FromMinutes(5)), credentials);
    }
}

[CollectionDefinition(Name)]
public sealed class ApplicationsApiProcesses : ICollectionFixture<ApplicationsApiFixture>
{
    public const string Name = "Applications.Api over LocalAws";
}
