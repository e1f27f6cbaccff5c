using System.Text.Json.Nodes;
using Gateway.Testing;
using Gateway.Verification;

namespace Gateway.Tests.Cli;

/// <summary>
/// <c>verify</c> in ABAC mode (issue 23 item 3): the built binary with <c>TenantIsolation:Mode=Abac</c> and a role per
/// permission set, against LocalAws loading the deployment template with <c>PolicyMode=Abac</c>. Its probes run with the
/// sessions the gateway mints in that mode (the <c>organizationId</c> tag, no session policy), so they test the roles'
/// own policies: all pass as deployed, and a template copy whose read-write role ignores the tag fails exactly that
/// role's cross-tenant probes.
/// </summary>
public sealed class VerifyAbacProcessTests
{
    private const string ReadOnlyRoleArn = "arn:aws:iam::000000000000:role/TenantDataAccess-read-only";

    private static Dictionary<string, string?> AbacEnvironment => new(StringComparer.Ordinal)
    {
        ["TenantIsolation__Mode"] = "Abac",
        ["TenantIsolation__PermissionSets__read-write__RoleArn"] = LocalAwsHost.TenantRoleArn,
        ["TenantIsolation__PermissionSets__read-only__RoleArn"] = ReadOnlyRoleArn,
    };

    private static LocalAwsHostOptions AbacLocalAws(string? template = null) => new()
    {
        CloudFormationTemplate = template ?? RepoPaths.Combine("deploy", "cloudformation", "tenant-gateway.yaml"),
        Parameters = new Dictionary<string, string> { ["PolicyMode"] = "Abac" },
    };

    [Fact]
    public async Task Binary_AbacDeployment_EveryProbeRunsWithTaggedSessionsAndPasses()
    {
        await using var aws = await LocalAwsHost.StartAsync(AbacLocalAws());

        var (run, json) = await VerifyCommandProcessTests.VerifyAsync(aws, AbacEnvironment);

        Assert.True(run.ExitCode == 0, run.ToString());
        var checks = json["checks"]!.AsArray();
        Assert.All(checks, c => Assert.True((bool)c!["passed"]!, c!.ToJsonString()));
        var names = checks.Select(c => (string)c!["name"]!).ToList();
        Assert.Contains(TenantRoleRevocations.WriteCheckName("TenantDataAccess-read-only"), names);
        Assert.Contains(TenantRoleRevocations.RevocationsCheckName("TenantDataAccess-read-only"), names);
        // The shipped plan's names but the session-policy checks and the sharded canary's out-of-range keys (#4, #: ABAC's
        // {org}#* admits the organization's own keys, so they are probed only where the policy is an exact list).
        Assert.Subset(names.ToHashSet(), VerifyCommandProcessTests.ExpectedNames()
            .Where(n => !n.Contains("session policy", StringComparison.Ordinal) && !n.EndsWith("zz-verify-s#4", StringComparison.Ordinal) && !n.EndsWith("zz-verify-s#", StringComparison.Ordinal))
            .ToHashSet());
        Assert.Contains("read-write zz-verify-s (4 shards): PutItem Applications → zz-verify-s#3", names);
        Assert.Contains("read-write zz-verify-s (4 shards): PutItem Applications → zz-verify-sx", names);
        Assert.Contains("read-write zz-verify-a: GetItem Applications → zz-verify-b", names);
        // Every tenant role's trust, in practice: the read-only role's too, each refusal beside its issued twin.
        foreach (var role in new[] { "TenantDataAccess", "TenantDataAccess-read-only" })
        {
            Assert.Contains(VerificationRunner.TagCheckName(role, "zz-verify-a"), names);
            Assert.All(VerificationRunner.RefusedTags("zz-verify-a"), tag => Assert.Contains(VerificationRunner.TagCheckName(role, tag), names));
        }

        Assert.Contains(VerificationRunner.SourceIdentityCheckName("TenantDataAccess-read-only"), names);
        Assert.Contains(TenantRoleTrust.CheckName("TenantDataAccess-read-only"), names);
    }

    [Fact]
    public async Task Binary_ReadOnlyRoleTrustWithoutTheTagCondition_FailsOnlyThatRolesTagChecksExit1()
    {
        // A template copy where only the read-only role's trust loses its tag condition (AbacRequiresOrganizationTag and
        // AbacRefusesPatternCharactersInTag): that role can then be assumed untagged, with an empty tag, or tagged '*'
        // (its policy's StringLike ${tag} then admits every organization's key). verify must name exactly that role's tag
        // checks. Allow twins: the same role with the canary's tag is issued, TenantDataAccess's identical checks pass,
        // and the unchanged template passes every check (Binary_AbacDeployment_EveryProbeRunsWithTaggedSessionsAndPasses).
        var template = RepoPaths.Combine("deploy", "cloudformation", "tenant-gateway.yaml");
        var text = (await File.ReadAllTextAsync(template)).ReplaceLineEndings("\n");
        const string requiresTag = "          - { Sid: AbacRequiresOrganizationTag, Effect: Deny, Principal: { AWS: \"*\" }, Action: [\"sts:AssumeRole\", \"sts:TagSession\"],\n              Condition: { StringNotLike: { \"aws:RequestTag/organizationId\": \"?*\" } } }\n";
        const string refusesPatterns = "          - { Sid: AbacRefusesPatternCharactersInTag, Effect: Deny, Principal: { AWS: \"*\" }, Action: [\"sts:AssumeRole\", \"sts:TagSession\"],\n              Condition: { StringLike: { \"aws:RequestTag/organizationId\": [\"*#*\", \"*${*}*\", \"*${?}*\"] } } }\n";
        Assert.Equal(1, text.Split(requiresTag).Length - 1);
        Assert.Equal(1, text.Split(refusesPatterns).Length - 1);
        var copy = Path.Combine(Path.GetTempPath(), $"tenant-gateway-abac-readonly-trust-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(copy, text.Replace(requiresTag, string.Empty, StringComparison.Ordinal).Replace(refusesPatterns, string.Empty, StringComparison.Ordinal));
        try
        {
            await using var aws = await LocalAwsHost.StartAsync(AbacLocalAws(copy));

            var (run, json) = await VerifyCommandProcessTests.VerifyAsync(aws, AbacEnvironment);

            Assert.True(run.ExitCode == 1, run.ToString());
            var checks = json["checks"]!.AsArray();
            var failed = checks.Where(c => !(bool)c!["passed"]!).Select(c => (string)c!["name"]!).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(VerificationRunner.RefusedTags("zz-verify-a").Select(t => VerificationRunner.TagCheckName("TenantDataAccess-read-only", t)).Order(StringComparer.Ordinal), failed);
            Assert.All(checks.Where(c => failed.Contains((string)c!["name"]!)), c => Assert.Equal("credentials issued", (string)c!["observed"]!));
            Assert.Contains(VerificationRunner.TagCheckName("TenantDataAccess-read-only", null), run.StandardOutput, StringComparison.Ordinal);
            var passed = checks.Where(c => (bool)c!["passed"]!).Select(c => (string)c!["name"]!).ToHashSet();
            Assert.Contains(VerificationRunner.TagCheckName("TenantDataAccess-read-only", "zz-verify-a"), passed);
            Assert.All(VerificationRunner.RefusedTags("zz-verify-a"), tag => Assert.Contains(VerificationRunner.TagCheckName("TenantDataAccess", tag), passed));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public async Task Binary_AbacRoleIgnoringTheTag_FailsThatRolesCrossTenantProbesExit1()
    {
        var template = RepoPaths.Combine("deploy", "cloudformation", "tenant-gateway.yaml");
        var text = (await File.ReadAllTextAsync(template)).ReplaceLineEndings("\n");
        const string scoped = "                        dynamodb:LeadingKeys: [\"${aws:PrincipalTag/organizationId}\", \"${aws:PrincipalTag/organizationId}#*\"]\n";
        Assert.Equal(1, text.Split(scoped).Length - 1);
        var copy = Path.Combine(Path.GetTempPath(), $"tenant-gateway-abac-widened-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(copy, text.Replace(scoped, "                        dynamodb:LeadingKeys: [\"*\"]\n", StringComparison.Ordinal));
        try
        {
            await using var aws = await LocalAwsHost.StartAsync(AbacLocalAws(copy));

            var (run, json) = await VerifyCommandProcessTests.VerifyAsync(aws, AbacEnvironment);

            Assert.True(run.ExitCode == 1, run.ToString());
            var failed = json["checks"]!.AsArray().Where(c => !(bool)c!["passed"]!).Select(c => (string)c!["name"]!).ToList();
            Assert.Contains("read-write zz-verify-a: GetItem Applications → zz-verify-b", failed);
            Assert.Contains("read-write zz-verify-b: PutItem Applications → zz-verify-a", failed);
            // …and the role's shape, named (verify reads the role's inline policies).
            Assert.Contains(TenantRoleScope.CheckName("TenantDataAccess"), failed);
            Assert.All(failed.Where(n => n != TenantRoleScope.CheckName("TenantDataAccess")), name => Assert.StartsWith("read-write ", name, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public async Task Binary_AbacRoleWidenedToStringLikeOrgStar_FailsTheScopeCheckAndTheShardedLookAlikesExit1()
    {
        // Issue 23's acceptance: a template copy whose read-write role compares LeadingKeys with {org}* instead of {org}#*.
        // verify names the role's shape, and in practice the sharded canary's session (tag zz-verify-s) reaches
        // zz-verify-sx, zz-verify-s-2, zz-verify-s.x — the look-alike probes fail; another organization's key still does not.
        // Allow twin: Binary_AbacDeployment_EveryProbeRunsWithTaggedSessionsAndPasses (the same probes pass with {org}#*).
        var template = RepoPaths.Combine("deploy", "cloudformation", "tenant-gateway.yaml");
        var text = (await File.ReadAllTextAsync(template)).ReplaceLineEndings("\n");
        const string scoped = "                        dynamodb:LeadingKeys: [\"${aws:PrincipalTag/organizationId}\", \"${aws:PrincipalTag/organizationId}#*\"]\n";
        Assert.Equal(1, text.Split(scoped).Length - 1);
        var copy = Path.Combine(Path.GetTempPath(), $"tenant-gateway-abac-orgstar-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(copy, text.Replace(scoped, "                        dynamodb:LeadingKeys: [\"${aws:PrincipalTag/organizationId}\", \"${aws:PrincipalTag/organizationId}*\"]\n", StringComparison.Ordinal));
        try
        {
            await using var aws = await LocalAwsHost.StartAsync(AbacLocalAws(copy));

            var (run, json) = await VerifyCommandProcessTests.VerifyAsync(aws, AbacEnvironment);

            Assert.True(run.ExitCode == 1, run.ToString());
            var checks = json["checks"]!.AsArray();
            var failed = checks.Where(c => !(bool)c!["passed"]!).Select(c => (string)c!["name"]!).ToList();
            Assert.Contains(TenantRoleScope.CheckName("TenantDataAccess"), failed);
            Assert.Contains("StringLike ${aws:PrincipalTag/organizationId}* on dynamodb:LeadingKeys admits other organizations' keys", (string)checks.Single(c => (string)c!["name"]! == TenantRoleScope.CheckName("TenantDataAccess"))!["observed"]!, StringComparison.Ordinal);
            Assert.DoesNotContain(TenantRoleScope.CheckName("TenantDataAccess-read-only"), failed);
            foreach (var lookAlike in new[] { "zz-verify-sx", "zz-verify-s-2", "zz-verify-s.x" })
            {
                Assert.Contains($"read-write zz-verify-s (4 shards): PutItem Applications → {lookAlike}", failed);
            }

            // Still refused, and the own shard keys still work: only what {org}* adds is reachable.
            Assert.DoesNotContain("read-write zz-verify-s (4 shards): PutItem Applications → zz-verify-a", failed);
            Assert.DoesNotContain("read-write zz-verify-s (4 shards): PutItem Applications → zz-verify-s#3", failed);
        }
        finally
        {
            File.Delete(copy);
        }
    }
}
