using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Gateway.Testing;

namespace Gateway.Tests.Cli;

/// <summary>
/// The built gateway binary's <c>revoke</c> against a real LocalAws enforcing the deployment template: sessions issued
/// before the cut-off are refused by DynamoDB, fresh ones and other organizations' are not — checked with sessions the
/// test assumed itself, beside the verb's own proof — and the operator identity, not the gateway's, is what may write.
/// </summary>
public sealed class RevokeCommandProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Revoke_Organization_OlderSessionsRefused_FreshAndNeighboursAllowed_ListedExit0()
    {
        await using var aws = await LocalAwsHost.StartAsync();
        using var acmeBefore = await SessionAsync(aws, "acme");
        using var globexBefore = await SessionAsync(aws, "globex");
        using var acmeLookalikeBefore = await SessionAsync(aws, "acme-2");
        Assert.Equal("allowed", await ReadAsync(acmeBefore, "acme")); // allow twin before the revocation

        var run = await RevokeAsync(aws, Operator, "--organization", "acme", "--reason", "leaked envelope", "--timeout", "30");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("revoked acme: sessions issued before ", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("reason: leaked envelope", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("proven: the cut-off took effect", run.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", run.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("AccessDeniedException", await ReadAsync(acmeBefore, "acme"));
        Assert.Equal("allowed", await ReadAsync(globexBefore, "globex"));
        Assert.Equal("allowed", await ReadAsync(acmeLookalikeBefore, "acme-2"));
        using var acmeAfter = await SessionAsync(aws, "acme");
        Assert.Equal("allowed", await ReadAsync(acmeAfter, "acme"));

        var list = await RevokeAsync(aws, Operator, "--list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("role TenantDataAccess: 1 active revocation(s) in tenant-revocations", list.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("  acme: sessions issued before ", list.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(LocalAwsHost.OperatorSecretAccessKey, run.StandardOutput + run.StandardError + list.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(LocalAwsHost.GatewaySecretAccessKey, run.StandardOutput + run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoke_WithTheGatewaysOwnIdentity_AccessDeniedExit3_NothingChanged()
    {
        await using var aws = await LocalAwsHost.StartAsync();
        using var acmeBefore = await SessionAsync(aws, "acme");

        var run = await RevokeAsync(aws, new BasicAWSCredentials(LocalAwsHost.GatewayAccessKeyId, LocalAwsHost.GatewaySecretAccessKey), "--organization", "acme", "--timeout", "5");

        Assert.True(run.ExitCode == 3, run.ToString());
        var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("AccessDenied", line, StringComparison.Ordinal);
        Assert.Contains(aws.Url.ToString(), line, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", line, StringComparison.Ordinal);
        Assert.Equal("allowed", await ReadAsync(acmeBefore, "acme"));
        var list = await RevokeAsync(aws, Operator, "--list");
        Assert.Contains("role TenantDataAccess: 0 active revocation(s)", list.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--user", "carol" }, "--organization is required")]
    [InlineData(new[] { "--organization", "acme", "--timeout", "0" }, "--timeout must be")]
    [InlineData(new[] { "--organization", "ac me" }, "is not a valid organization id")]
    [InlineData(new[] { "--list", "--organization", "acme" }, "--list takes no other argument")]
    public async Task Revoke_BadUsage_OneLineExit2(string[] args, string expected)
    {
        var run = await ProcessHost.RunDotnetAsync([Built.Dll("src/Gateway", "Gateway"), "revoke", .. args], new Dictionary<string, string?>(), RepoPaths.Root, Timeout);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(expected, Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    /// <summary>LocalAws's <c>operator</c> user: the template's TenantRevocationPolicy (OperatorPrincipalArn), nothing more.</summary>
    private static AWSCredentials Operator => new BasicAWSCredentials(LocalAwsHost.OperatorAccessKeyId, LocalAwsHost.OperatorSecretAccessKey);

    private static async Task<ProcessRun> RevokeAsync(LocalAwsHost aws, AWSCredentials identity, params string[] args)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in TopologyEnvironment.Gateway(aws.Url, new Uri("http://127.0.0.1:9/")))
        {
            env[key] = value;
        }

        var credentials = await identity.GetCredentialsAsync();
        env["AWS_ACCESS_KEY_ID"] = credentials.AccessKey;
        env["AWS_SECRET_ACCESS_KEY"] = credentials.SecretKey;
        env["AWS_PROFILE"] = null;
        return await ProcessHost.RunDotnetAsync([Built.Dll("src/Gateway", "Gateway"), "revoke", .. args], env, RepoPaths.Root, Timeout);
    }

    private static Task<IAmazonDynamoDB> SessionAsync(LocalAwsHost aws, string organization) => TenantSessions.AssumeAsync(aws, organization);

    private static Task<string> ReadAsync(IAmazonDynamoDB session, string organization) => TenantSessions.GetItemAsync(session, organization, "zz-revoke-test");
}
