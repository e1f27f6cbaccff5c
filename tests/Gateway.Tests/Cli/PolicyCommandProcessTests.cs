using Gateway.Testing;

namespace Gateway.Tests.Cli;

/// <summary>
/// The <c>policy</c> subcommand as docs/gateway.md runs it: through <c>dotnet run --project src/Gateway</c> and the
/// built binary, from the repository root and from another directory. It reads the appsettings of the directory it
/// is run from and names it.
/// </summary>
public sealed class PolicyCommandProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly Dictionary<string, string?> Local = new() { ["ASPNETCORE_ENVIRONMENT"] = "Local" };

    private static string[] DotnetRun(string project) =>
        ["run", "--no-build", "-c", Built.Configuration, "--project", project, "--", "policy", "--organization", "acme", "--role", "VIEWER"];

    [Fact]
    public async Task DotnetRun_FromRepositoryRoot_ReadsRootAppsettings()
    {
        var run = await ProcessHost.RunDotnetAsync(DotnetRun("src/Gateway"), Local, RepoPaths.Root, Timeout);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("\"dynamodb:LeadingKeys\":\"acme\"", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"configuration: appsettings.json + appsettings.Local.json in {RepoPaths.Root} + environment variables", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DotnetRun_FromAnotherDirectory_ReadsThatDirectoryAndNamesIt()
    {
        var elsewhere = Directory.CreateTempSubdirectory("gateway-policy-cwd-");
        try
        {
            File.Copy(RepoPaths.Combine("appsettings.json"), Path.Combine(elsewhere.FullName, "appsettings.json"));

            var run = await ProcessHost.RunDotnetAsync(DotnetRun(RepoPaths.Combine("src", "Gateway")), Local, elsewhere.FullName, Timeout);

            // Only the shipped appsettings.json is there (no appsettings.Local.json): RoleArn and keys are missing.
            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Contains($"read appsettings.json in {elsewhere.FullName} + environment variables", run.StandardError, StringComparison.Ordinal);
            Assert.Contains("TenantIsolation:RoleArn is required", run.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Binary_InvalidConfiguration_ListsEveryErrorAndTheDirectory()
    {
        var elsewhere = Directory.CreateTempSubdirectory("gateway-policy-cwd-");
        try
        {
            var run = await ProcessHost.RunDotnetAsync(
                [Built.Dll("src/Gateway", "Gateway"), "policy", "--organization", "acme", "--role", "VIEWER"],
                new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["TenantIsolation__Tables__Applications__PartitionKey"] = "organizationId" },
                elsewhere.FullName,
                Timeout);

            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.StartsWith("policy: configuration is invalid (", run.ErrorLines[0], StringComparison.Ordinal);
            Assert.Contains($"no appsettings.json in {elsewhere.FullName}; environment variables only", run.ErrorLines[0], StringComparison.Ordinal);
            var errors = run.ErrorLines.Skip(1).ToList();
            Assert.True(errors.Count >= 2, run.ToString());
            Assert.All(errors, line => Assert.StartsWith("- ", line, StringComparison.Ordinal));
            Assert.Contains($"({errors.Count} error(s);", run.ErrorLines[0], StringComparison.Ordinal);
            Assert.Contains(errors, line => line.Contains("TenantIsolation:RoleArn", StringComparison.Ordinal));
            Assert.DoesNotContain("more)", run.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }
    }
}
