using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Gateway.Testing;
using Xunit.Abstractions;
using static LocalAws.Tests.DynamoDb.SessionProbes;
using static LocalAws.Tests.LocalAwsFixture;

namespace LocalAws.Tests.DynamoDb;

/// <summary>
/// A sharded organization's session (the builder's real session policy for <c>acme</c> with 8 shards, assumed through
/// LocalAws STS) used with the real DynamoDB SDK client: every one of its keys can be written and read (allow twins);
/// the red-team look-alikes get AccessDenied and nothing is written. The 64-character / 64-shard worst case (the
/// pattern form) is assumed too, and its packed size reported.
/// </summary>
[Collection(LocalAwsTestGroup.Name)]
public sealed class ShardedSessionTests(LocalAwsFixture fixture, ITestOutputHelper output)
{
    private static readonly OrganizationId Acme = OrganizationId.Parse("acme");
    private static readonly ShardCount Eight = ShardCount.Create(8);

    public static TheoryData<string> AcmeKeys => new() { "acme", "acme#0", "acme#1", "acme#2", "acme#3", "acme#4", "acme#5", "acme#6", "acme#7" };

    /// <summary>acme#8 (k = N), acme#64, acme#1x, acme#01, acme-2, acme.x, ACME#1, acme-2#1 and another organization's keys.</summary>
    public static TheoryData<string> LookAlikes => new() { "acme#8", "acme#64", "acme#1x", "acme#01", "acme#", "acme-2", "acme.x", "ACME#1", "acme-2#1", "org-b", "org-b#0", "org-a" };

    private async Task<(AmazonDynamoDBClient Client, AssumeRoleResponse Response)> SessionAsync(OrganizationId organization, ShardCount shards, string sessionName)
    {
        var policy = new SessionPolicyBuilder(Scope).Build(organization, ReadWrite, shards);
        using var sts = fixture.Host.CreateStsClient(fixture.Host.GatewayCredentials);
        var response = await sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = LocalAwsHost.TenantRoleArn,
            RoleSessionName = sessionName,
            Policy = policy.Json,
            DurationSeconds = 3600,
        });
        var c = response.Credentials;
#pragma warning disable CS0618 // Still what AssumeRole returns; the SDK marks it deprecated.
        output.WriteLine($"{organization.Value.Length}-character id, {shards.Value} shards: {policy.Keys}, {policy.Length} characters, PackedPolicySize {response.PackedPolicySize}%");
#pragma warning restore CS0618
        return (fixture.Host.CreateDynamoDbClient(new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken)), response);
    }

    [Theory]
    [MemberData(nameof(AcmeKeys))]
    public async Task ShardedSession_EachOfItsKeys_WriteReadQueryAllowed(string partition)
    {
        var (client, _) = await SessionAsync(Acme, Eight, "acme-shards-allow");
        using (client)
        {
            await WriteReadQueryAsync(client, partition, "sharded-allow");
        }
    }

    [Theory]
    [MemberData(nameof(LookAlikes))]
    public async Task ShardedSession_LookAlikeKey_AccessDeniedNothingWritten_OwnShardTwinAllowed(string partition)
    {
        var (client, _) = await SessionAsync(Acme, Eight, "acme-shards-deny");
        using (client)
        {
            await LookAlikeDeniedOwnTwinAllowedAsync(client, fixture.Admin, partition, "sharded-deny", "acme#3", "sharded-deny-twin");
        }
    }

    /// <summary>A long exact list (a 14-character id with 64 shards: 65 keys, about 1,900 characters with this fixture's
    /// read-write set) is accepted by STS (LocalAws) too, and its packed size reported.</summary>
    [Fact]
    public async Task LongestExactList_Assumed_PackedSizeReported_EveryShardReachable()
    {
        var id = OrganizationId.Parse("fourteen-chars");
        var policy = new SessionPolicyBuilder(Scope).Build(id, ReadWrite, ShardCount.Create(64));
        var (client, response) = await SessionAsync(id, ShardCount.Create(64), "longest-exact-list");
        using (client)
        {
            Assert.Equal(LeadingKeysForm.ExactList, policy.Keys);
            Assert.InRange(policy.Length, 1_800, SessionPolicyBuilder.MaxPlaintextLength);
            await client.PutItemAsync(new PutItemRequest { TableName = Table, Item = Key(id.Value + "#63", "longest") });
            await DeniedAsync(() => client.PutItemAsync(new PutItemRequest { TableName = Table, Item = Key(id.Value + "#64", "longest") }));
#pragma warning disable CS0618 // Still what AssumeRole returns; the SDK marks it deprecated.
            Assert.InRange(response.PackedPolicySize!.Value, 1, 100);
#pragma warning restore CS0618
        }
    }

    /// <summary>The worst case (64-character id, 64 shards, pattern form): STS (LocalAws) accepts it and reports its packed
    /// size; the session reaches shard 63 and is refused another organization's keys, including the id's look-alikes.</summary>
    [Fact]
    public async Task WorstCaseSession_Assumed_PackedSizeReported_OtherOrganizationsDenied()
    {
        var longest = OrganizationId.Parse(new string('w', 63) + "1");
        var (client, response) = await SessionAsync(longest, ShardCount.Create(64), "worst-case-shards");
        using (client)
        {
            var own = Key(longest.Value + "#63", "worst");

            await client.PutItemAsync(new PutItemRequest { TableName = Table, Item = own });
            await DeniedAsync(() => client.PutItemAsync(new PutItemRequest { TableName = Table, Item = Key(new string('w', 63) + "2#0", "worst") }));
            await DeniedAsync(() => client.PutItemAsync(new PutItemRequest { TableName = Table, Item = Key(new string('w', 63) + "#0", "worst") }));
            await DeniedAsync(() => client.PutItemAsync(new PutItemRequest { TableName = Table, Item = Key("org-a", "worst") }));

#pragma warning disable CS0618 // Still what AssumeRole returns; the SDK marks it deprecated.
            Assert.InRange(response.PackedPolicySize!.Value, 1, 100);
#pragma warning restore CS0618
        }
    }
}
