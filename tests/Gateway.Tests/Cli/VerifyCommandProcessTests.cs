using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Isolation.Configuration;
using Gateway.Policies;
using Gateway.Policies.Revocations;
using Gateway.Verification;
using Gateway.Testing;

namespace Gateway.Tests.Cli;

/// <summary>
/// The built gateway binary's <c>verify --json</c> (Local environment) against a real LocalAws: every check listed,
/// canary items gone, and weakened setups fail the named check with exit 1.
/// </summary>
public sealed class VerifyCommandProcessTests
{
    private const string SourceIdentityCheck = "AssumeRole without SourceIdentity";
    private const string TenantRole = "TenantDataAccess";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Binary_LocalAwsFromTheTemplate_EveryCheckPassesAndListedInJson()
    {
        // LocalAws enforcing deploy/cloudformation/tenant-gateway.yaml (its default), the shipped configuration
        // (Organization scope: SourceIdentity "tenant-gateway").
        await using var aws = await LocalAwsHost.StartAsync();
        using var admin = aws.CreateDynamoDbClient(aws.AdminCredentials);
        // A leftover of an interrupted run.
        await admin.PutItemAsync(new PutItemRequest { TableName = "Applications", Item = Item("zz-verify-a", VerificationPlan.CanaryPrefix + "interrupted") });

        var (run, json) = await VerifyAsync(aws, []);

        Assert.True(run.ExitCode == 0, run.ToString());
        var checks = json["checks"]!.AsArray();
        Assert.Equal(ExpectedNames(), checks.Select(c => (string)c!["name"]!));
        Assert.All(checks, c => Assert.True((bool)c!["passed"]!, c!.ToJsonString()));
        Assert.Equal(checks.Count, (int)json["passed"]!);
        Assert.Equal(0, (int)json["failed"]!);
        Assert.Equal("AccessDenied", (string)checks.Single(c => (string)c!["name"]! == SourceIdentityCheck)!["observed"]!);
        Assert.Equal(LocalAwsHost.GatewayUserArn, (string)checks.Single(c => (string)c!["name"]! == VerificationPlan.TenantRoleTrustCheck)!["observed"]!);
        Assert.Equal("AccessDenied", (string)checks.Single(c => (string)c!["name"]! == TenantRoleRevocations.WriteCheckName(TenantRole))!["observed"]!);
        Assert.Equal("none in force", (string)checks.Single(c => (string)c!["name"]! == TenantRoleRevocations.RevocationsCheckName(TenantRole))!["observed"]!);
        Assert.Equal("TenantItemAccess: Null guard (the session policy names the keys)", (string)checks.Single(c => (string)c!["name"]! == TenantRoleScope.CheckName(TenantRole))!["observed"]!);
        Assert.Contains($"{checks.Count} passed, 0 failed", run.StandardOutput, StringComparison.Ordinal);
        // When and against what: a timestamp (UTC) and the endpoints checked (here LocalAws for all three).
        var timestamp = DateTimeOffset.Parse((string)json["timestamp"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(timestamp, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow);
        Assert.EndsWith("Z", (string)json["timestamp"]!, StringComparison.Ordinal);
        Assert.Equal(aws.Url.ToString(), (string)json["endpoints"]!["sts"]!);
        Assert.Equal(aws.Url.ToString(), (string)json["endpoints"]!["iam"]!);
        Assert.Equal(aws.Url.ToString(), (string)json["endpoints"]!["dynamodb"]!);
        Assert.Equal(["zz-verify-a", "zz-verify-b"], json["organizations"]!.AsArray().Select(o => (string)o!));
        Assert.DoesNotContain(LocalAwsHost.GatewaySecretAccessKey, run.StandardOutput + run.StandardError, StringComparison.Ordinal);
        Assert.Empty(await CanaryItemsAsync(admin, "zz-verify-a"));
        Assert.Empty(await CanaryItemsAsync(admin, "zz-verify-b"));

        // The sharded canary: its sessions carry the shard count and STS's packed size; each shard key was written and
        // read (the probes passed), and none of its canary items is left under any of its keys.
        Assert.Equal("zz-verify-s", (string)json["shardedOrganization"]!["id"]!);
        Assert.Equal(4, (int)json["shardedOrganization"]!["shards"]!);
        Assert.Matches(@"^session zz-verify-s\+read-write, 4 shards, PackedPolicySize \d+%$", (string)checks.Single(c => (string)c!["name"]! == "read-write zz-verify-s: AssumeRole with the session policy")!["observed"]!);
        Assert.Matches(@", 64 shards, PackedPolicySize \d+%$", (string)checks.Single(c => (string)c!["name"]! == VerificationRunner.WorstCaseStsCheckName("read-write"))!["observed"]!);
        Assert.Contains(checks, c => (string)c!["name"]! == "read-write zz-verify-s (4 shards): PutItem Applications → zz-verify-s#3");
        Assert.Contains(checks, c => (string)c!["name"]! == "read-write zz-verify-s (4 shards): PutItem Applications → zz-verify-sx");
        foreach (var key in VerificationPlan.PartitionKeys("zz-verify-s", 4))
        {
            Assert.Empty(await CanaryItemsAsync(admin, key));
        }
    }

    [Fact]
    public async Task Binary_TrustWithoutSourceIdentityCondition_FailsOnlyThatCheckExit1()
    {
        // A template copy whose tenant-role trust no longer requires a SourceIdentity (neither the Allow's condition
        // nor the Deny remain — it is moved to an action the gateway never requests, since every AssumeRole also tags the
        // session, so a Deny on sts:TagSession would still refuse it): verify must name exactly that check.
        var template = await WeakenedTemplateAsync(
            ("            Condition:\n              \"Null\":\n                sts:SourceIdentity: \"false\"\n", string.Empty),
            ("            Effect: Deny\n            Principal: { AWS: \"*\" }\n            Action: sts:AssumeRole\n", "            Effect: Deny\n            Principal: { AWS: \"*\" }\n            Action: sts:AssumeRoleWithSAML\n"));
        var only = await OnlyFailureAsync(template);
        Assert.Equal(SourceIdentityCheck, (string)only["name"]!);
        Assert.Equal("credentials issued", (string)only["observed"]!);
    }

    [Fact]
    public async Task Binary_TenantRoleTrustsAccountRoot_FailsOnlyTrustCheckExit1()
    {
        // A template copy whose tenant-role trust names the account root (any principal of the account) instead of the
        // gateway: AssumeRole by the gateway still works, only GetRole on the trust policy can see it.
        const string gateway = "                Fn::If: [CreateGatewayRole, { \"Fn::GetAtt\": [GatewayRole, Arn] }, { Ref: GatewayPrincipalArn }]\n";
        const string root = "                { \"Fn::Sub\": \"arn:${AWS::Partition}:iam::${AWS::AccountId}:root\" }\n";
        const string sid = "          - Sid: GatewayWithSourceIdentity\n            Effect: Allow\n            Principal:\n              AWS:\n";
        var template = await WeakenedTemplateAsync((sid + gateway, sid + root));
        var only = await OnlyFailureAsync(template);
        Assert.Equal(VerificationPlan.TenantRoleTrustCheck, (string)only["name"]!);
        Assert.Matches(@"^arn:aws:iam::\d{12}:root$", (string)only["observed"]!);
    }

    [Fact]
    public async Task Binary_GatewayMayNotGetTenantRole_FailsTrustCheckClosedExit1()
    {
        // A template copy without the InspectTenantRole grant: the trust cannot be read, so the check fails (named).
        var template = await WeakenedTemplateAsync(
            ("          - Sid: InspectTenantRole\n            Effect: Allow\n            Action: [iam:GetRole, iam:GetRolePolicy, iam:ListRolePolicies]\n", "          - Sid: InspectTenantRole\n            Effect: Allow\n            Action: [iam:ListRoles, iam:GetRolePolicy, iam:ListRolePolicies]\n"));
        var only = await OnlyFailureAsync(template);
        Assert.Equal(VerificationPlan.TenantRoleTrustCheck, (string)only["name"]!);
        Assert.Equal("cannot inspect (AccessDenied)", (string)only["observed"]!);
    }

    /// <summary>The tenant role's LeadingKeys condition in the template (TenantItemAccess), to widen in a copy.</summary>
    private const string TenantItemCondition = "                    - \"Null\":\n                        dynamodb:LeadingKeys: \"false\"\n\n  # PolicyMode Abac only";

    [Fact]
    public async Task Binary_TenantRoleWidenedToStringLikeOrgStar_FailsOnlyTheScopeCheckExit1()
    {
        // A template copy whose tenant role compares LeadingKeys with StringLike {org}* (no '#'): it would admit
        // zz-verify-sx, acme-2, any organization whose id starts with another's. In SessionPolicy mode the session policy
        // still refuses every look-alike (those probes pass, rightly), so the role's shape is what verify must name.
        var template = await WeakenedTemplateAsync((TenantItemCondition, TenantItemCondition.Replace("\n\n", "\n                      ForAllValues:StringLike:\n                        dynamodb:LeadingKeys: \"${aws:PrincipalTag/organizationId}*\"\n\n", StringComparison.Ordinal)));
        var only = await OnlyFailureAsync(template);
        Assert.Equal(TenantRoleScope.CheckName(TenantRole), (string)only["name"]!);
        Assert.Equal("TenantItemAccess TenantItemActions: StringLike ${aws:PrincipalTag/organizationId}* on dynamodb:LeadingKeys admits other organizations' keys (only {org} and {org}#* are safe)", (string)only["observed"]!);
    }

    [Fact]
    public async Task Binary_TenantRoleScopedToOrgAndShards_EveryCheckPassesExit0()
    {
        // Allow twin of the widened copy: the same edit with the '#' ({org} and {org}#*, the safe shard pattern).
        var template = await WeakenedTemplateAsync((TenantItemCondition, TenantItemCondition.Replace("\n\n", "\n                      ForAllValues:StringLike:\n                        dynamodb:LeadingKeys: [\"${aws:PrincipalTag/organizationId}\", \"${aws:PrincipalTag/organizationId}#*\"]\n\n", StringComparison.Ordinal)));
        try
        {
            await using var aws = await LocalAwsHost.StartAsync(new LocalAwsHostOptions { CloudFormationTemplate = template });

            var (run, json) = await VerifyAsync(aws, []);

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal(ExpectedNames(), json["checks"]!.AsArray().Select(c => (string)c!["name"]!));
            Assert.Equal("TenantItemAccess: Null guard (the session policy names the keys)", (string)json["checks"]!.AsArray().Single(c => (string)c!["name"]! == TenantRoleScope.CheckName(TenantRole))!["observed"]!);
        }
        finally
        {
            File.Delete(template);
        }
    }

    [Fact]
    public async Task Binary_GatewayMayReadTenantTable_FailsNamedCheckExit1()
    {
        // A template copy where the gateway's own policy may also GetItem on Applications.
        var template = await WeakenedTemplateAsync(
            ("              - { \"Fn::GetAtt\": [OrganizationsTable, Arn] }\n", "              - { \"Fn::GetAtt\": [OrganizationsTable, Arn] }\n              - { \"Fn::GetAtt\": [ApplicationsTable, Arn] }\n"));
        var only = await OnlyFailureAsync(template);
        Assert.Equal("gateway identity: GetItem Applications → zz-verify-a", (string)only["name"]!);
    }

    [Fact]
    public async Task Binary_GatewayMayPutRolePolicy_FailsOnlyTheWriteCheckNamingIdentityAndEndpointExit1()
    {
        // A template copy whose gateway policy may also write the tenant role's inline policies (it could lift a
        // revocation): the probe is authorized, IAM refuses its malformed document, nothing is written, verify fails it.
        var template = await WeakenedTemplateAsync(
            ("            Action: [iam:GetRole, iam:GetRolePolicy, iam:ListRolePolicies]\n", "            Action: [iam:GetRole, iam:GetRolePolicy, iam:ListRolePolicies, iam:PutRolePolicy]\n"));
        string? url = null;
        var only = await OnlyFailureAsync(template, aws => url = aws.Url.ToString());
        Assert.Equal(TenantRoleRevocations.WriteCheckName(TenantRole), (string)only["name"]!);
        Assert.Equal(
            $"allowed: {LocalAwsHost.GatewayUserArn} may call iam:PutRolePolicy on {TenantRole} at IAM at {url} (the probe was refused only as MalformedPolicyDocument; nothing written)",
            (string)only["observed"]!);
    }

    [Fact]
    public async Task Binary_RevocationInForce_CheckedAndAFreshSessionOfTheRevokedOrganizationAllowedExit0()
    {
        // Allow twin of the two below: a real revocation of acme (cut-off in the past, as revoke writes it).
        await using var aws = await LocalAwsHost.StartAsync();
        var cutoff = DateTimeOffset.UtcNow.AddSeconds(-5);
        await PutRevocationsAsync(aws, TenantRevocations.Empty.Add(new Revocation(OrganizationId.Parse("acme"), cutoff)).ToDocument()!.ToJson());

        var (run, json) = await VerifyAsync(aws, []);

        Assert.True(run.ExitCode == 0, run.ToString());
        var checks = json["checks"]!.AsArray();
        Assert.All(checks, c => Assert.True((bool)c!["passed"]!, c!.ToJsonString()));
        var names = ExpectedNames();
        names.Insert(names.IndexOf(TenantRoleRevocations.RevocationsCheckName(TenantRole)) + 1, TenantRoleRevocations.FreshSessionCheckName("acme"));
        Assert.Equal(names, checks.Select(c => (string)c!["name"]!));
        Assert.StartsWith("1 active (acme)", (string)checks.Single(c => (string)c!["name"]! == TenantRoleRevocations.RevocationsCheckName(TenantRole))!["observed"]!, StringComparison.Ordinal);
        Assert.Equal("allowed", (string)checks.Single(c => (string)c!["name"]! == TenantRoleRevocations.FreshSessionCheckName("acme"))!["observed"]!);
    }

    [Fact]
    public async Task Binary_RevocationCutOffInTheFuture_FailsRevocationsAndFreshSessionChecksExit1()
    {
        // A cut-off in the future (a hand edit or a clock gone wrong) refuses the organization's fresh credentials too:
        // the revocations check names it, and the fresh acme session is really refused by LocalAws.
        await using var aws = await LocalAwsHost.StartAsync();
        await PutRevocationsAsync(aws, TenantRevocations.Empty.Add(new Revocation(OrganizationId.Parse("acme"), DateTimeOffset.UtcNow.AddMinutes(30))).ToDocument()!.ToJson());

        var (run, json) = await VerifyAsync(aws, []);

        Assert.True(run.ExitCode == 1, run.ToString());
        var failed = json["checks"]!.AsArray().Where(c => !(bool)c!["passed"]!).ToList();
        Assert.Equal([TenantRoleRevocations.RevocationsCheckName(TenantRole), TenantRoleRevocations.FreshSessionCheckName("acme")], failed.Select(c => (string)c!["name"]!));
        Assert.Matches(@"^acme: cut-off \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ is in the future, so fresh sessions are refused too$", (string)failed[0]!["observed"]!);
        Assert.Equal("AccessDeniedException", (string)failed[1]!["observed"]!);
    }

    [Fact]
    public async Task Binary_ForeignStatementInTenantRevocations_FailsOnlyTheRevocationsCheckExit1()
    {
        // An Allow slipped into tenant-revocations (which anyone with the operator's grant can write): named, fail.
        await using var aws = await LocalAwsHost.StartAsync();
        await PutRevocationsAsync(aws, """{"Version":"2012-10-17","Statement":[{"Sid":"Widen","Effect":"Allow","Action":"dynamodb:Scan","Resource":"*"}]}""");

        var (run, json) = await VerifyAsync(aws, []);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(ExpectedNames(), json["checks"]!.AsArray().Select(c => (string)c!["name"]!));
        // Named twice: as a statement revoke did not write, and (the scope check reads every inline policy) as an Allow
        // of DynamoDB without the LeadingKeys Null guard.
        var failed = json["checks"]!.AsArray().Where(c => !(bool)c!["passed"]!).ToList();
        Assert.Equal([TenantRoleScope.CheckName(TenantRole), TenantRoleRevocations.RevocationsCheckName(TenantRole)], failed.Select(c => (string)c!["name"]!));
        Assert.Equal("tenant-revocations Widen: no Null guard on dynamodb:LeadingKeys (a request without a partition key is allowed)", (string)failed[0]!["observed"]!);
        Assert.Contains("statement Widen was not written by revoke", (string)failed[1]!["observed"]!, StringComparison.Ordinal);
    }

    /// <summary>Writes tenant-revocations with LocalAws's operator user (the template's TenantRevocationPolicy).</summary>
    private static async Task PutRevocationsAsync(LocalAwsHost aws, string document)
    {
        using var iam = new IamQueryClient(aws.Url, aws.OperatorCredentials, LocalAwsHost.Region);
        await iam.PutRolePolicyAsync(TenantRole, TenantRevocations.PolicyName, document);
    }

    /// <summary>
    /// Runs verify against LocalAws enforcing a weakened template copy (deleted afterwards): exit 1, every check still
    /// listed, exactly one failed; returns that one.
    /// </summary>
    private static async Task<JsonNode> OnlyFailureAsync(string template, Action<LocalAwsHost>? started = null)
    {
        try
        {
            await using var aws = await LocalAwsHost.StartAsync(new LocalAwsHostOptions { CloudFormationTemplate = template });
            started?.Invoke(aws);

            var (run, json) = await VerifyAsync(aws, []);

            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.Equal(ExpectedNames(), json["checks"]!.AsArray().Select(c => (string)c!["name"]!));
            Assert.Equal(1, (int)json["failed"]!);
            return Assert.Single(json["checks"]!.AsArray(), c => !(bool)c!["passed"]!)!;
        }
        finally
        {
            File.Delete(template);
        }
    }

    /// <summary>A copy of the deployment template with exact texts replaced (each must occur exactly once).</summary>
    private static async Task<string> WeakenedTemplateAsync(params (string Original, string Replacement)[] edits)
    {
        var text = (await File.ReadAllTextAsync(RepoPaths.Combine("deploy", "cloudformation", "tenant-gateway.yaml"))).ReplaceLineEndings("\n");
        foreach (var (original, replacement) in edits)
        {
            var at = text.IndexOf(original, StringComparison.Ordinal);
            Assert.True(at >= 0 && text.IndexOf(original, at + 1, StringComparison.Ordinal) < 0, $"the template text to weaken must occur exactly once: {original}");
            text = text.Replace(original, replacement, StringComparison.Ordinal);
        }

        var copy = Path.Combine(Path.GetTempPath(), $"tenant-gateway-weakened-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(copy, text);
        return copy;
    }

    internal static async Task<(ProcessRun Run, JsonNode Json)> VerifyAsync(LocalAwsHost aws, Dictionary<string, string?> extra)
    {
        var file = Path.Combine(Path.GetTempPath(), $"verify-{Guid.NewGuid():N}.json");
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in TopologyEnvironment.Gateway(aws.Url, new Uri("http://127.0.0.1:9/")))
        {
            env[key] = value;
        }

        foreach (var (key, value) in extra)
        {
            env[key] = value;
        }

        try
        {
            var run = await ProcessHost.RunDotnetAsync([Built.Dll("src/Gateway", "Gateway"), "verify", "--json", file], env, RepoPaths.Root, Timeout);
            Assert.True(File.Exists(file), run.ToString());
            return (run, JsonNode.Parse(await File.ReadAllTextAsync(file))!);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The checks for the shipped configuration (Applications with its ByName index; read-only and read-write), in order.</summary>
    internal static List<string> ExpectedNames()
    {
        var options = new TenantIsolationOptions
        {
            Tables = new() { ["Applications"] = new TenantTableOptions { SortKey = "applicationId", Indexes = ["ByName"] } },
            PermissionSets = new()
            {
                ["read-write"] = new PermissionSetOptions { Tables = new() { ["Applications"] = TableAccessLevel.ReadWrite } },
                ["read-only"] = new PermissionSetOptions { Tables = new() { ["Applications"] = TableAccessLevel.Read } },
            },
        };
        var plan = VerificationPlan.Create(options);
        var names = new List<string>
        {
            "gateway identity (GetCallerIdentity)",
            "gateway identity: GetItem Applications → zz-verify-a",
            "worst-case session policy read-only",
            VerificationRunner.WorstCaseStsCheckName("read-only"),
            "worst-case session policy read-write",
            VerificationRunner.WorstCaseStsCheckName("read-write"),
            SourceIdentityCheck,
            VerificationPlan.TenantRoleTrustCheck,
            TenantRoleScope.CheckName(TenantRole),
            TenantRoleRevocations.WriteCheckName(TenantRole),
            TenantRoleRevocations.RevocationsCheckName(TenantRole),
        };
        names.AddRange(plan.Sessions.Select(s => $"{s.PermissionSet} {s.Organization}: AssumeRole with the session policy"));
        names.AddRange(plan.Sessions.SelectMany(s => s.Probes).Select(p => p.Name));
        names.Add("read-write zz-verify-a: canary items removed from Applications");
        names.Add("read-write zz-verify-b: canary items removed from Applications");
        names.Add("read-write zz-verify-s: canary items removed from Applications");
        return names;
    }

    private static Dictionary<string, AttributeValue> Item(string organization, string applicationId) => new()
    {
        ["organizationId"] = new(organization),
        ["applicationId"] = new(applicationId),
    };

    private static async Task<List<Dictionary<string, AttributeValue>>> CanaryItemsAsync(AmazonDynamoDBClient admin, string organization)
    {
        var response = await admin.QueryAsync(new QueryRequest
        {
            TableName = "Applications",
            KeyConditionExpression = "organizationId = :o AND begins_with(applicationId, :p)",
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":o"] = new(organization), [":p"] = new(VerificationPlan.CanaryPrefix) },
            ConsistentRead = true,
        });
        return response.Items;
    }
}
