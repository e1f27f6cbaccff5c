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
        Assert.Subset(names.ToHashSet(), VerifyCommandProcessTests.ExpectedNames().Where(n => !n.Contains("session policy", StringComparison.Ordinal)).ToHashSet());
        Assert.Contains("read-write zz-verify-a: GetItem Applications → zz-verify-b", names);
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
            Assert.All(failed, name => Assert.StartsWith("read-write ", name, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(copy);
        }
    }
}
