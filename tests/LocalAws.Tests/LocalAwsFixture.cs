using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Gateway.Testing;

namespace LocalAws.Tests;

/// <summary>
/// One LocalAws process for the "LocalAws" collection, with the hand-written broad IAM fixture (<see cref="LocalAwsHostOptions.BroadIam"/>: the session policy must deny Scan, not the role). Admin writes Applications items for org-a and org-b; the gateway
/// principal assumes TenantDataAccess with the Gateway.Policies session policy for org-a.
/// </summary>
public sealed class LocalAwsFixture : IAsyncLifetime
{
    public const string OrgA = "org-a";
    public const string OrgB = "org-b";
    public const string Table = "Applications";

    public static readonly AwsScope Scope = new() { AccountId = LocalAwsHost.AccountId, Region = LocalAwsHost.Region };

    public static readonly PermissionSet ReadWrite = new()
    {
        Name = "read-write",
        Tables = [new TableAccess { TableName = Table, PartitionKey = "organizationId", Read = true, Write = true, PartiQL = true }],
    };

    public LocalAwsHost Host { get; private set; } = null!;

    public AmazonDynamoDBClient Admin { get; private set; } = null!;

    /// <summary>Credentials of a session scoped to org-a by the real session policy.</summary>
    public SessionAWSCredentials OrgASession { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await LocalAwsHost.StartAsync(LocalAwsHostOptions.BroadIam);
        Admin = Host.CreateDynamoDbClient(Host.AdminCredentials);
        foreach (var org in new[] { OrgA, OrgB })
        {
            foreach (var app in new[] { "app-1", "app-2" })
            {
                await Admin.PutItemAsync(new PutItemRequest
                {
                    TableName = Table,
                    Item = new Dictionary<string, AttributeValue>
                    {
                        ["organizationId"] = new() { S = org },
                        ["applicationId"] = new() { S = app },
                        ["name"] = new() { S = $"{org} {app}" },
                    },
                });
            }
        }

        OrgASession = await AssumeAsync(SessionPolicyJson(OrgA), "org-a-tests");
    }

    public static string SessionPolicyJson(string organization)
        => new SessionPolicyBuilder(Scope).Build(OrganizationId.Parse(organization), ReadWrite).Json;

    public async Task<SessionAWSCredentials> AssumeAsync(string? policy, string sessionName, int durationSeconds = 3600)
    {
        using var sts = Host.CreateStsClient(Host.GatewayCredentials);
        var response = await sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = LocalAwsHost.TenantRoleArn,
            RoleSessionName = sessionName,
            Policy = policy,
            DurationSeconds = durationSeconds,
        });
        var c = response.Credentials;
        return new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken);
    }

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LocalAwsTestGroup : ICollectionFixture<LocalAwsFixture>
{
    public const string Name = "LocalAws";
}
