using System.Globalization;
using System.Net;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using Gateway.Policies;
using Gateway.Policies.Revocations;
using Gateway.Testing;

namespace LocalAws.Tests.Iam;

/// <summary>One LocalAws process from the deployment template for the role-policy tests (run one after another: each
/// leaves the tenant role without inline policies).</summary>
public sealed class RolePolicyHostFixture : IAsyncLifetime
{
    public LocalAwsHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await LocalAwsHost.StartAsync();

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}

/// <summary>
/// IAM <c>PutRolePolicy</c> / <c>GetRolePolicy</c> / <c>DeleteRolePolicy</c> / <c>ListRolePolicies</c> on LocalAws, end to
/// end with real processes: the AWS SDK's SigV4 signer for IAM, the AWS SDK's STS and DynamoDB clients for the sessions.
/// The console's "revoke active sessions" pattern narrowed to one organization's sessions must deny exactly the
/// sessions issued before the cut-off whose name (or tag) matches, at once, including sessions assumed before the put.
/// </summary>
public sealed class RolePolicyTests(RolePolicyHostFixture fixture) : IClassFixture<RolePolicyHostFixture>
{
    private const string RoleName = "TenantDataAccess";
    private const string PolicyName = "tenant-revocations";

    /// <summary>The template's own inline policy on the tenant role (its <c>Policies</c>): listed and read as in AWS.</summary>
    private const string TemplatePolicy = "TenantItemAccess";
    private const int DurationSeconds = 900;

    private LocalAwsHost Aws => fixture.Host;

    private IamQueryClient Iam(AWSCredentials credentials) => new(Aws.Url, credentials, LocalAwsHost.Region);

    private async Task<(AmazonDynamoDBClient Client, DateTimeOffset Issued)> AssumeAsync(string sessionName, string? organizationTag = null, string sourceIdentity = "tenant-gateway")
    {
        using var sts = Aws.CreateStsClient(Aws.GatewayCredentials);
        var request = new AssumeRoleRequest
        {
            RoleArn = LocalAwsHost.TenantRoleArn,
            RoleSessionName = sessionName,
            DurationSeconds = DurationSeconds,
            SourceIdentity = sourceIdentity,
        };
        if (organizationTag is not null)
        {
            request.Tags = [new Amazon.SecurityToken.Model.Tag { Key = "organizationId", Value = organizationTag }];
        }

        var response = await sts.AssumeRoleAsync(request);
        var c = response.Credentials;
        var issued = new DateTimeOffset(c.Expiration!.Value.ToUniversalTime(), TimeSpan.Zero).AddSeconds(-DurationSeconds);
        return (Aws.CreateDynamoDbClient(new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken)), issued);
    }

    private static Task<GetItemResponse> ReadAsync(AmazonDynamoDBClient client) => client.GetItemAsync(new GetItemRequest
    {
        TableName = "Applications",
        Key = new() { ["organizationId"] = new AttributeValue { S = "acme" }, ["applicationId"] = new AttributeValue { S = "app-1001" } },
    });

    private static async Task AssertAllowedAsync(AmazonDynamoDBClient client, string who)
    {
        var response = await ReadAsync(client);
        Assert.True(response.IsItemSet, $"{who}: expected the item");
    }

    private static async Task AssertRevokedAsync(AmazonDynamoDBClient client, string who)
    {
        var denied = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => ReadAsync(client));
        Assert.True(denied.ErrorCode == "AccessDeniedException", $"{who}: {denied.ErrorCode} {denied.Message}");
        Assert.Contains("with an explicit deny in a identity-based policy", denied.Message, StringComparison.Ordinal);
    }

    /// <summary>The revocation policy the `revoke` verb is to write: Deny everything to sessions issued before the
    /// cut-off whose name is <c>{org}+…</c>, or (ABAC) whose organizationId tag is the organization.</summary>
    private static string RevocationPolicy(string organization, DateTimeOffset cutoff)
    {
        var time = cutoff.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return """
            {"Version":"2012-10-17","Statement":[
              {"Sid":"RevokeSessionsByName","Effect":"Deny","Action":"*","Resource":"*",
               "Condition":{"DateLessThan":{"aws:TokenIssueTime":"@TIME"},"StringLike":{"aws:userid":"*:@ORG+*"}}},
              {"Sid":"RevokeSessionsByTag","Effect":"Deny","Action":"*","Resource":"*",
               "Condition":{"DateLessThan":{"aws:TokenIssueTime":"@TIME"},"StringEquals":{"aws:PrincipalTag/organizationId":"@ORG"}}}
            ]}
            """.Replace("@TIME", time, StringComparison.Ordinal).Replace("@ORG", organization, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutRolePolicy_RevokesOnlyMatchingSessionsIssuedBeforeTheCutoff_AndDeleteRestoresThem()
    {
        using var admin = Iam(Aws.AdminCredentials);
        using var gateway = Iam(Aws.GatewayCredentials);
        var (victim, victimIssued) = await AssumeAsync("acme+read-write");
        var (victimUser, _) = await AssumeAsync("acme+read-write@alice");
        var (neighbour, neighbourIssued) = await AssumeAsync("globex+read-write");
        var (victimTagged, _) = await AssumeAsync("abac-acme", organizationTag: "acme");
        var (neighbourTagged, _) = await AssumeAsync("abac-globex", organizationTag: "globex");
        // Every session works before, and its allow decisions are now in LocalAws's decision cache.
        foreach (var (client, who) in new[] { (victim, "acme"), (victimUser, "acme user"), (neighbour, "globex"), (victimTagged, "acme tag"), (neighbourTagged, "globex tag") })
        {
            await AssertAllowedAsync(client, who + " before the revocation");
        }

        var cutoff = new[] { victimIssued, neighbourIssued }.Max().AddSeconds(1);
        var policy = RevocationPolicy("acme", cutoff);

        // The gateway's own identity may read the role (GetRole) but not change it: AccessDenied, nothing written.
        var refused = await Assert.ThrowsAsync<AmazonServiceException>(() => gateway.PutRolePolicyAsync(RoleName, PolicyName, policy));
        Assert.Equal("AccessDenied", refused.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(ErrorType.Sender, refused.ErrorType);
        Assert.Contains($"is not authorized to perform: iam:PutRolePolicy on resource: {LocalAwsHost.TenantRoleArn}", refused.Message, StringComparison.Ordinal);
        Assert.Equal([TemplatePolicy], await admin.ListRolePoliciesAsync(RoleName));
        await AssertAllowedAsync(victim, "acme after the refused put");

        await admin.PutRolePolicyAsync(RoleName, PolicyName, policy);
        try
        {
            Assert.Equal(policy, await admin.GetRolePolicyAsync(RoleName, PolicyName));
            Assert.Equal([TemplatePolicy, PolicyName], await admin.ListRolePoliciesAsync(RoleName));

            // Sessions assumed before the put, issued before the cut-off: refused when they match, untouched otherwise.
            await AssertRevokedAsync(victim, "acme (before)");
            await AssertRevokedAsync(victimUser, "acme user (before)");
            await AssertRevokedAsync(victimTagged, "acme tag (before)");
            await AssertAllowedAsync(neighbour, "globex (before)");
            await AssertAllowedAsync(neighbourTagged, "globex tag (before)");

            // A session of the same name issued after the cut-off works.
            await Aws.AdvanceClockAsync(TimeSpan.FromSeconds(2));
            var (fresh, freshIssued) = await AssumeAsync("acme+read-write");
            Assert.True(freshIssued >= cutoff, $"fresh session issued {freshIssued:O}, cut-off {cutoff:O}");
            await AssertAllowedAsync(fresh, "acme (after)");
            var (freshTagged, _) = await AssumeAsync("abac-acme-2", organizationTag: "acme");
            await AssertAllowedAsync(freshTagged, "acme tag (after)");
        }
        finally
        {
            await admin.DeleteRolePolicyAsync(RoleName, PolicyName);
        }

        await AssertAllowedAsync(victim, "acme after DeleteRolePolicy");
        await AssertAllowedAsync(victimTagged, "acme tag after DeleteRolePolicy");
        Assert.Equal([TemplatePolicy], await admin.ListRolePoliciesAsync(RoleName));
        var gone = await Assert.ThrowsAsync<AmazonServiceException>(() => admin.GetRolePolicyAsync(RoleName, PolicyName));
        Assert.Equal("NoSuchEntity", gone.ErrorCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task PutRolePolicy_ValidatesLikeIam_AndChangesNothingWhenRefused()
    {
        using var admin = Iam(Aws.AdminCredentials);
        using var gateway = Iam(Aws.GatewayCredentials);

        async Task<AmazonServiceException> Refused(Task call) => await Assert.ThrowsAsync<AmazonServiceException>(() => call);

        var malformed = await Refused(admin.PutRolePolicyAsync(RoleName, "p", """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}"""));
        Assert.Equal(("MalformedPolicyDocument", HttpStatusCode.BadRequest), (malformed.ErrorCode, malformed.StatusCode));
        var principal = await Refused(admin.PutRolePolicyAsync(RoleName, "p", """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"""));
        Assert.Equal("MalformedPolicyDocument", principal.ErrorCode);
        var typo = await Refused(admin.PutRolePolicyAsync(RoleName, "p", """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThen":{"aws:TokenIssueTime":"2026-12-07T03:30:00Z"}}}]}"""));
        Assert.Equal("MalformedPolicyDocument", typo.ErrorCode);
        Assert.Contains("DateLessThen", typo.Message, StringComparison.Ordinal);
        var badName = await Refused(admin.PutRolePolicyAsync(RoleName, "bad name", Sized(200)));
        Assert.Equal(("ValidationError", HttpStatusCode.BadRequest), (badName.ErrorCode, badName.StatusCode));
        var noRole = await Refused(admin.PutRolePolicyAsync("NoSuchRole", "p", Sized(200)));
        Assert.Equal(("NoSuchEntity", HttpStatusCode.NotFound), (noRole.ErrorCode, noRole.StatusCode));
        var noRoleForGateway = await Refused(gateway.PutRolePolicyAsync("NoSuchRole", "p", Sized(200))); // authorized before existence is told
        Assert.Equal("AccessDenied", noRoleForGateway.ErrorCode);
        Assert.Equal("AccessDenied", (await Refused(gateway.DeleteRolePolicyAsync(RoleName, "p"))).ErrorCode);

        // The gateway may read the role's inline policies (verify checks tenant-revocations and the template's
        // TenantItemAccess): past authorization, so NoSuchEntity for a missing one; the template's own is listed and read.
        Assert.Equal("NoSuchEntity", (await Refused(gateway.GetRolePolicyAsync(RoleName, "p"))).ErrorCode);
        Assert.Equal([TemplatePolicy], await gateway.ListRolePoliciesAsync(RoleName));
        var templatePolicy = await gateway.GetRolePolicyAsync(RoleName, TemplatePolicy);
        Assert.Contains("\"dynamodb:LeadingKeys\":\"false\"", templatePolicy, StringComparison.Ordinal);

        Assert.Equal([TemplatePolicy], await admin.ListRolePoliciesAsync(RoleName));
        var noPolicy = await Refused(admin.DeleteRolePolicyAsync(RoleName, "p"));
        Assert.Equal(("NoSuchEntity", HttpStatusCode.NotFound), (noPolicy.ErrorCode, noPolicy.StatusCode));

        // The role's inline policies share 10,240 characters, white space not counted, the template's own included;
        // replacing a policy counts it once.
        var rest = 4_240 - TenantRevocations.CountedLength(templatePolicy);
        try
        {
            await admin.PutRolePolicyAsync(RoleName, "first", Sized(6_000));
            var over = await Refused(admin.PutRolePolicyAsync(RoleName, "second", Sized(rest + 1)));
            Assert.Equal(("LimitExceeded", HttpStatusCode.Conflict), (over.ErrorCode, over.StatusCode));
            Assert.Equal([TemplatePolicy, "first"], await admin.ListRolePoliciesAsync(RoleName));
            var spacesInAString = await Refused(admin.PutRolePolicyAsync(RoleName, "second", Sized(rest + 1).Replace("xxxx", "x  x", StringComparison.Ordinal)));
            Assert.Equal("LimitExceeded", spacesInAString.ErrorCode); // white space inside a string value counts
            await admin.PutRolePolicyAsync(RoleName, "second", Indented(Sized(rest)));
            Assert.Equal([TemplatePolicy, "first", "second"], await admin.ListRolePoliciesAsync(RoleName));
            await admin.PutRolePolicyAsync(RoleName, "first", Sized(5_000));
            await admin.PutRolePolicyAsync(RoleName, "first", Sized(6_000));
            var stillOver = await Refused(admin.PutRolePolicyAsync(RoleName, "first", Sized(6_001)));
            Assert.Equal("LimitExceeded", stillOver.ErrorCode);
            Assert.Equal(Sized(6_000), await admin.GetRolePolicyAsync(RoleName, "first"));
        }
        finally
        {
            foreach (var name in (await admin.ListRolePoliciesAsync(RoleName)).Where(n => n != TemplatePolicy))
            {
                await admin.DeleteRolePolicyAsync(RoleName, name);
            }
        }
    }

    [Fact]
    public async Task TemplateInlinePolicy_IsTheRolesInlinePolicy_DeletingItRemovesTheGrantPuttingItBackRestoresIt()
    {
        // The template's TenantItemAccess is an inline policy as in AWS (listed, read, deleted, put), not a hidden fixed
        // policy: without it a session has no Allow (implicit deny); the allow twins before and after.
        using var admin = Iam(Aws.AdminCredentials);
        var (session, _) = await AssumeAsync("acme+read-write");
        await AssertAllowedAsync(session, "acme under the template's TenantItemAccess");
        var document = await admin.GetRolePolicyAsync(RoleName, TemplatePolicy);

        await admin.DeleteRolePolicyAsync(RoleName, TemplatePolicy);
        try
        {
            Assert.Empty(await admin.ListRolePoliciesAsync(RoleName));
            var denied = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => ReadAsync(session));
            Assert.Equal("AccessDeniedException", denied.ErrorCode);
            Assert.Contains("because no identity-based policy allows the dynamodb:GetItem action", denied.Message, StringComparison.Ordinal);
        }
        finally
        {
            await admin.PutRolePolicyAsync(RoleName, TemplatePolicy, document);
        }

        await AssertAllowedAsync(session, "acme after TenantItemAccess was put back");
    }

    /// <summary>
    /// The <c>operator</c> user (LocalAws's <c>OperatorPrincipalArn</c>) holds exactly the template's
    /// TenantRevocationPolicy: the tenant role's inline policies and GetRole, nothing on any other role, no data, no
    /// AssumeRole — decided by the same engine as the gateway's calls; the gateway is refused the writes.
    /// </summary>
    [Fact]
    public async Task OperatorUser_ManagesOnlyTheTenantRolesInlinePolicies_GatewayMayNotWrite()
    {
        using var op = Iam(Aws.OperatorCredentials);
        using var gateway = Iam(Aws.GatewayCredentials);
        async Task<AmazonServiceException> Refused(Task call) => await Assert.ThrowsAsync<AmazonServiceException>(() => call);

        var document = """{"Version":"2012-10-17","Statement":[{"Sid":"Probe","Effect":"Deny","Action":"dynamodb:DeleteTable","Resource":"*"}]}""";
        Assert.Equal("AccessDenied", (await Refused(gateway.PutRolePolicyAsync(RoleName, PolicyName, document))).ErrorCode);
        Assert.Equal("AccessDenied", (await Refused(gateway.DeleteRolePolicyAsync(RoleName, PolicyName))).ErrorCode);
        Assert.Equal([TemplatePolicy], await op.ListRolePoliciesAsync(RoleName));

        await op.PutRolePolicyAsync(RoleName, PolicyName, document);
        try
        {
            Assert.Equal([TemplatePolicy, PolicyName], await op.ListRolePoliciesAsync(RoleName));
            Assert.Equal(document, await op.GetRolePolicyAsync(RoleName, PolicyName));
            Assert.Equal(document, await gateway.GetRolePolicyAsync(RoleName, PolicyName)); // read-only twin
            var role = await op.CallAsync("GetRole", [KeyValuePair.Create("RoleName", RoleName)]);
            Assert.Contains(LocalAwsHost.TenantRoleArn, role.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            await op.DeleteRolePolicyAsync(RoleName, PolicyName);
        }

        Assert.Equal([TemplatePolicy], await op.ListRolePoliciesAsync(RoleName));
        // Only the tenant role: another role name is refused before its existence is told.
        var other = await Refused(op.PutRolePolicyAsync("TenantGateway", PolicyName, document));
        Assert.Equal("AccessDenied", other.ErrorCode);
        Assert.Contains($"{LocalAwsHost.OperatorUserArn} is not authorized to perform: iam:PutRolePolicy on resource: arn:aws:iam::000000000000:role/TenantGateway", other.Message, StringComparison.Ordinal);
        // No data and no tenant session.
        using var dynamo = Aws.CreateDynamoDbClient(Aws.OperatorCredentials);
        Assert.Equal("AccessDeniedException", (await Assert.ThrowsAsync<AmazonDynamoDBException>(() => ReadAsync(dynamo))).ErrorCode);
        using var sts = Aws.CreateStsClient(Aws.OperatorCredentials);
        var assume = await Assert.ThrowsAnyAsync<AmazonServiceException>(() => sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = LocalAwsHost.TenantRoleArn, RoleSessionName = "acme+read-write", SourceIdentity = "tenant-gateway" }));
        Assert.Equal("AccessDenied", assume.ErrorCode);
    }

    /// <summary>
    /// The document the <c>revoke</c> verb writes (<see cref="TenantRevocations"/>: the organizationId session tag,
    /// optionally aws:SourceIdentity, aws:TokenIssueTime DateLessThan the cut-off) is accepted by PutRolePolicy and denies
    /// exactly what it says: a user's older sessions, then the organization's, never another organization's or a
    /// session issued after the cut-off.
    /// </summary>
    [Fact]
    public async Task TenantRevocationsDocument_UserThenOrganization_DeniesExactlyTheScopedOlderSessions()
    {
        using var admin = Iam(Aws.AdminCredentials);
        var (alice, aliceIssued) = await AssumeAsync("acme+read-write@alice", organizationTag: "acme", sourceIdentity: "alice");
        var (bob, _) = await AssumeAsync("acme+read-write@bob", organizationTag: "acme", sourceIdentity: "bob");
        var (neighbour, _) = await AssumeAsync("globex+read-write@alice", organizationTag: "globex", sourceIdentity: "alice");
        var cutoff = aliceIssued.AddSeconds(1);
        var acme = OrganizationId.Parse("acme");

        var user = TenantRevocations.Empty.Add(new Revocation(acme, cutoff, ["alice"]));
        await admin.PutRolePolicyAsync(RoleName, TenantRevocations.PolicyName, user.ToDocument()!.ToJson());
        try
        {
            Assert.Equal(user.Entries, TenantRevocations.Parse(await admin.GetRolePolicyAsync(RoleName, TenantRevocations.PolicyName)).Entries);
            await AssertRevokedAsync(alice, "acme alice (before)");
            await AssertAllowedAsync(bob, "acme bob (before)");
            await AssertAllowedAsync(neighbour, "globex alice (before)");

            var organization = user.Add(new Revocation(acme, cutoff));
            await admin.PutRolePolicyAsync(RoleName, TenantRevocations.PolicyName, organization.ToDocument()!.ToJson());
            await AssertRevokedAsync(alice, "acme alice (before)");
            await AssertRevokedAsync(bob, "acme bob (before)");
            await AssertAllowedAsync(neighbour, "globex alice (before)");

            await Aws.AdvanceClockAsync(TimeSpan.FromSeconds(2));
            var (fresh, _) = await AssumeAsync("acme+read-write@alice", organizationTag: "acme", sourceIdentity: "alice");
            await AssertAllowedAsync(fresh, "acme alice (after)");
        }
        finally
        {
            await admin.DeleteRolePolicyAsync(RoleName, TenantRevocations.PolicyName);
        }

        await AssertAllowedAsync(alice, "acme alice after DeleteRolePolicy");
    }

    /// <summary>A valid policy (a Deny of an action nobody calls) of exactly <paramref name="characters"/> characters, none white space.</summary>
    internal static string Sized(int characters)
    {
        const string head = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"S";
        const string tail = "\",\"Effect\":\"Deny\",\"Action\":\"iam:NoSuchAction\",\"Resource\":\"*\"}]}";
        var padding = characters - head.Length - tail.Length;
        Assert.True(padding >= 0);
        return head + new string('x', padding) + tail;
    }

    /// <summary>The same policy with white space between its tokens (which IAM does not count).</summary>
    private static string Indented(string json)
    {
        var builder = new StringBuilder(json.Length * 2);
        foreach (var c in json)
        {
            builder.Append(c);
            if (c is ',' or '{' or '[')
            {
                builder.Append("\n    ");
            }
        }

        return builder.ToString();
    }
}
