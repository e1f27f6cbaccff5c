using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Gateway.Testing;
using static LocalAws.Tests.DynamoDb.SessionProbes;

namespace LocalAws.Tests.DynamoDb;

/// <summary>LocalAws loading the deployment template with <c>PolicyMode=Abac</c> (its own process).</summary>
public sealed class AbacHostFixture : IAsyncLifetime
{
    public const string ReadOnlyRoleArn = "arn:aws:iam::000000000000:role/TenantDataAccess-read-only";

    public LocalAwsHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
        => Host = await LocalAwsHost.StartAsync(new LocalAwsHostOptions { Parameters = new Dictionary<string, string> { ["PolicyMode"] = "Abac" } });

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}

/// <summary>
/// ABAC mode end to end (issue 23 item 3) with the real AWS SDK against LocalAws: the template's tenant roles with
/// <c>PolicyMode=Abac</c>, assumed by the gateway principal with a SourceIdentity and the <c>organizationId</c> session tag
/// and no session policy, so the role policy's <c>${aws:PrincipalTag/organizationId}</c> and
/// <c>${aws:PrincipalTag/organizationId}#*</c> are all that scope the session. A sharded organization's session reads and
/// writes each of its keys; the look-alikes get AccessDenied and nothing is written, each next to a write to its own shard
/// that succeeds; a policy variable LocalAws cannot resolve matches nothing.
/// </summary>
public sealed class AbacSessionTests(AbacHostFixture fixture) : IClassFixture<AbacHostFixture>
{
    private const string Table = "Applications";

    public static TheoryData<string> AcmeKeys => new() { "acme", "acme#0", "acme#1", "acme#2", "acme#3", "acme#4", "acme#5", "acme#6", "acme#7" };

    /// <summary>Keys of other organizations that look like acme's (ABAC's role policy is the pattern form: <c>acme#8</c> or
    /// <c>acme#</c> are acme's own out-of-range keys there, which no other organization can own).</summary>
    public static TheoryData<string> LookAlikes => new() { "acme-2", "acme.x", "acmex", "acmex#0", "acme-2#1", "acm#1", "ACME#1", "ACME", "org-b", "org-b#0" };

    private LocalAwsHost Aws => fixture.Host;

    private static AssumeRoleRequest Request(string roleArn, string sessionName, string? tag)
    {
        var request = new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = sessionName, SourceIdentity = "tenant-gateway", DurationSeconds = 3600 };
        if (tag is not null)
        {
            request.Tags = [new Amazon.SecurityToken.Model.Tag { Key = "organizationId", Value = tag }];
        }

        return request;
    }

    private async Task<AmazonDynamoDBClient> SessionAsync(string tag, string roleArn = LocalAwsHost.TenantRoleArn)
    {
        using var sts = Aws.CreateStsClient(Aws.GatewayCredentials);
        var response = await sts.AssumeRoleAsync(Request(roleArn, tag + "+abac", tag));
        var c = response.Credentials;
        return Aws.CreateDynamoDbClient(new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken));
    }

    [Theory]
    [MemberData(nameof(AcmeKeys))]
    public async Task AbacSession_EachOfItsKeys_WriteReadQueryAllowed(string partition)
    {
        using var client = await SessionAsync("acme");

        await WriteReadQueryAsync(client, partition, "abac-allow", index: "ByName");
    }

    [Theory]
    [MemberData(nameof(LookAlikes))]
    public async Task AbacSession_LookAlikeKey_AccessDeniedNothingWritten_OwnShardTwinAllowed(string partition)
    {
        using var client = await SessionAsync("acme");
        using var admin = Aws.CreateDynamoDbClient(Aws.AdminCredentials);

        await LookAlikeDeniedOwnTwinAllowedAsync(client, admin, partition, "abac-deny", "acme#3", "abac-deny-twin-" + partition);
    }

    /// <summary>The same look-alike keys are another organization's own: tagged with that organization, allowed.</summary>
    [Theory]
    [InlineData("acme-2", "acme-2#1")]
    [InlineData("acmex", "acmex#0")]
    [InlineData("org-b", "org-b#0")]
    public async Task AbacSession_OtherOrganizationsTag_ReachesItsOwnKeys_NotAcmes(string tag, string partition)
    {
        using var client = await SessionAsync(tag);

        await client.PutItemAsync(new PutItemRequest { TableName = Table, Item = Key(partition, "abac-owner") });
        await DeniedAsync(() => client.PutItemAsync(new PutItemRequest { TableName = Table, Item = Key("acme#1", "abac-owner") }));
    }

    [Fact]
    public async Task AbacReadOnlyRole_ReadsItsShards_WritesDenied()
    {
        using var writer = await SessionAsync("acme");
        await writer.PutItemAsync(new PutItemRequest { TableName = Table, Item = Key("acme#2", "abac-read-only") });
        using var reader = await SessionAsync("acme", AbacHostFixture.ReadOnlyRoleArn);

        var read = await reader.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key("acme#2", "abac-read-only") });
        await DeniedAsync(() => reader.PutItemAsync(new PutItemRequest { TableName = Table, Item = Key("acme#2", "abac-read-only-write") }));
        await DeniedAsync(() => reader.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key("acme-2#2", "abac-read-only") }));

        Assert.True(read.IsItemSet);
    }

    /// <summary>The trust refuses an AssumeRole without the tag, with an empty one or with one holding a pattern
    /// character (each next to the same request with <c>acme</c>, which is issued).</summary>
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("acme#1")]
    [InlineData("*")]
    [InlineData("acm?")]
    public async Task AssumeRole_MissingOrMalformedOrganizationTag_AccessDenied_WellFormedTwinIssued(string? tag)
    {
        using var sts = Aws.CreateStsClient(Aws.GatewayCredentials);
        foreach (var role in new[] { LocalAwsHost.TenantRoleArn, AbacHostFixture.ReadOnlyRoleArn })
        {
            var e = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.AssumeRoleAsync(Request(role, "malformed-tag", tag)));
            var twin = await sts.AssumeRoleAsync(Request(role, "malformed-tag", "acme"));

            Assert.Equal("AccessDenied", e.ErrorCode);
            Assert.NotNull(twin.Credentials);
        }
    }

    /// <summary>
    /// A policy variable LocalAws cannot resolve fails closed: an extra Allow on the role whose pattern is
    /// <c>${aws:PrincipalTag/team}*</c> (no such tag) does not become <c>*</c>, so acme's session still cannot read globex.
    /// The twin: the same statement with the resolvable <c>${aws:PrincipalTag/organizationId}*</c> widens acme to
    /// <c>acmecorp</c> — the prefix trap the template's <c>#*</c> avoids. Removed afterwards.
    /// </summary>
    [Fact]
    public async Task UnresolvableVariableInARolePolicy_MatchesNothing_ResolvableTwinMatches()
    {
        using var iam = new IamQueryClient(Aws.Url, Aws.AdminCredentials, LocalAwsHost.Region);
        static string Extra(string pattern) => """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:us-east-1:000000000000:table/Applications",
             "Condition":{"ForAllValues:StringLike":{"dynamodb:LeadingKeys":"@P"},"Null":{"dynamodb:LeadingKeys":"false"}}}]}
            """.Replace("@P", pattern, StringComparison.Ordinal);
        using var client = await SessionAsync("acme");
        try
        {
            await iam.PutRolePolicyAsync("TenantDataAccess", "abac-variable-test", Extra("${aws:PrincipalTag/team}*"));
            await DeniedAsync(() => client.PutItemAsync(new PutItemRequest { TableName = Table, Item = Key("globex", "abac-variable") }));
            await DeniedAsync(() => client.PutItemAsync(new PutItemRequest { TableName = Table, Item = Key("acmecorp", "abac-variable") }));

            await iam.PutRolePolicyAsync("TenantDataAccess", "abac-variable-test", Extra("${aws:PrincipalTag/organizationId}*"));
            await client.PutItemAsync(new PutItemRequest { TableName = Table, Item = Key("acmecorp", "abac-variable") });
            await DeniedAsync(() => client.PutItemAsync(new PutItemRequest { TableName = Table, Item = Key("globex", "abac-variable") }));
        }
        finally
        {
            await iam.DeleteRolePolicyAsync("TenantDataAccess", "abac-variable-test");
        }
    }
}
