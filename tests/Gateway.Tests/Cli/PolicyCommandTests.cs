using System.Text.Json;
using Gateway.Cli;
using Gateway.Testing;

namespace Gateway.Tests.Cli;

public sealed class PolicyCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = PolicyCommand.Run(args, Program.VerbHost(RepoPaths.Root), stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    // The shipped appsettings.json lacks RoleArn and keys (they come from the environment), so these tests use a temp dir with a full config.
    private static (int Exit, string Out, string Err) RunWithLocalConfig(params string[] args)
    {
        var dir = Directory.CreateTempSubdirectory("gateway-cli-");
        try
        {
            File.Copy(RepoPaths.Combine("appsettings.json"), Path.Combine(dir.FullName, "appsettings.json"));
            var local = File.ReadAllText(RepoPaths.Combine("appsettings.Local.json"));
            File.WriteAllText(Path.Combine(dir.FullName, "appsettings.Production.json"), local);
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var exit = PolicyCommand.Run(args, Program.VerbHost(dir.FullName), stdout, stderr);
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Run_ValidOrganizationAndPermissionSet_PrintsPolicyJsonAndSize()
    {
        var (exit, stdout, stderr) = RunWithLocalConfig("--organization", "acme", "--permission-set", "read-write");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        Assert.Contains("\"dynamodb:LeadingKeys\":\"acme\"", stdout, StringComparison.Ordinal);
        Assert.Contains("dynamodb:PutItem", stdout, StringComparison.Ordinal);
        Assert.Contains("table/Applications/index/ByName\"", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("index/*", stdout, StringComparison.Ordinal);
        Assert.Contains($"size: {stdout.TrimEnd().Length} of 2048", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Shards_PrintsTheExactShardListAndItsSize()
    {
        var (exit, stdout, stderr) = RunWithLocalConfig("--organization", "acme", "--permission-set", "read-write", "--shards", "8");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        Assert.Contains("\"dynamodb:LeadingKeys\":[\"acme\",\"acme#0\",\"acme#1\",\"acme#2\",\"acme#3\",\"acme#4\",\"acme#5\",\"acme#6\",\"acme#7\"]", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("acme#8", stdout, StringComparison.Ordinal);
        Assert.Contains($"size: {stdout.TrimEnd().Length} of 2048", stderr, StringComparison.Ordinal);
        Assert.Contains("shards: 8; leading keys: exact list of 9", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SixtyFourShardsLongestId_PrintsThePatternForm()
    {
        var id = new string('z', 64);

        var (exit, stdout, stderr) = RunWithLocalConfig("--organization", id, "--permission-set", "read-write", "--shards", "64");

        Assert.Equal(0, exit);
        Assert.Contains($"\"ForAllValues:StringLike\":{{\"dynamodb:LeadingKeys\":[\"{id}\",\"{id}#*\"]}}", stdout, StringComparison.Ordinal);
        Assert.Contains("shards: 64; leading keys: pattern", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ViewerRole_PrintsReadOnlyPolicy()
    {
        var (exit, stdout, _) = RunWithLocalConfig("--organization", "acme", "--role", "VIEWER");

        Assert.Equal(0, exit);
        Assert.Contains("dynamodb:GetItem", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("dynamodb:PutItem", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--organization", "org-1*", "--permission-set", "read-write")]
    [InlineData("--organization", "acme", "--permission-set", "no-such-set")]
    [InlineData("--organization", "acme", "--role", "JANITOR")]
    [InlineData("--organization", "acme")]
    [InlineData("--bogus")]
    [InlineData("--organization")]
    [InlineData("--organization", "acme", "--permission-set", "read-write", "--shards", "3")]
    [InlineData("--organization", "acme", "--permission-set", "read-write", "--shards", "128")]
    [InlineData("--organization", "acme", "--permission-set", "read-write", "--shards", "0")]
    [InlineData("--organization", "acme", "--permission-set", "read-write", "--shards", "eight")]
    public void Run_BadInput_ExitCode2AndOneLine(params string[] args)
    {
        var (exit, stdout, stderr) = RunWithLocalConfig(args);

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Run_InvalidConfiguration_ExitCode2ListingEveryErrorAndTheDirectory()
    {
        // The shipped appsettings.json alone (no RoleArn, no envelope key): two errors at least.
        var dir = Directory.CreateTempSubdirectory("gateway-cli-");
        int exit;
        string stderr;
        try
        {
            File.Copy(RepoPaths.Combine("appsettings.json"), Path.Combine(dir.FullName, "appsettings.json"));
            using var stdout = new StringWriter();
            using var errors = new StringWriter();
            exit = PolicyCommand.Run(["--organization", "acme", "--permission-set", "read-write"], Program.VerbHost(dir.FullName), stdout, errors);
            stderr = errors.ToString();
        }
        finally
        {
            dir.Delete(recursive: true);
        }

        Assert.Equal(2, exit);
        var lines = stderr.TrimEnd().Split('\n');
        Assert.Contains($"in {dir.FullName} + environment variables", lines[0], StringComparison.Ordinal);
        Assert.True(lines.Length > 2, stderr);
        Assert.Contains($"({lines.Length - 1} error(s);", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, line => line.StartsWith("  - TenantIsolation:RoleArn", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("  - TenantIsolation:Envelopes:applications:Current:Key", StringComparison.Ordinal));
        Assert.DoesNotContain("more)", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ShippedProductionConfiguration_NeedsOnlyTheRoleArnAndNeverReadsSsm()
    {
        // appsettings.Production.json names the envelope key's SSM parameter; the policy command checks the name only.
        var (exit, _, stderr) = Run("--organization", "acme", "--permission-set", "read-write");

        Assert.Equal(2, exit);
        var lines = stderr.TrimEnd().Split('\n');
        Assert.Contains($"read appsettings.json + appsettings.Production.json in {RepoPaths.Root} + environment variables", lines[0], StringComparison.Ordinal);
        Assert.Equal("  - TenantIsolation:RoleArn is required (the role the gateway assumes for tenants, arn:aws:iam::ACCOUNT:role/NAME).", Assert.Single(lines[1..]));
    }
}
