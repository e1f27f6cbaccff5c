using Gateway.Cli;
using Gateway.Testing;

namespace Gateway.Tests.Cli;

public sealed class EvictCommandTests
{
    [Fact]
    public async Task RunAsync_RedisPortClosed_OneLineNamingTheEndpointAndTheCauseExit1()
    {
        // A closed loopback port: the operator must read why (connection refused), not only an exception type.
        var root = Directory.CreateTempSubdirectory("gateway-evict-");
        var port = FreePort.Next();
        await File.WriteAllTextAsync(Path.Combine(root.FullName, "appsettings.json"), $$"""{ "TenantIsolation": { "SharedCache": { "Redis": "127.0.0.1:{{port}},password=not-printed-secret" } } }""");
        try
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();

            var exit = await EvictCommand.RunAsync(["--user", "alice"], Program.VerbHost(root.FullName), stdout, stderr);

            Assert.Equal(EvictCommand.Failed, exit);
            Assert.Empty(stdout.ToString());
            var line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd();
            Assert.Equal($"evict: Redis at 127.0.0.1:{port} is unreachable (connection refused); nothing was evicted.", line);
            Assert.DoesNotContain("not-printed-secret", stderr.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(new string[0], "evict: --user or --organization is required.")]
    [InlineData(new[] { "--organization", "ac me" }, "is not a valid organization id")]
    [InlineData(new[] { "--organization", "acme" }, "no fleet to evict from; a single instance keeps the organization's still valid credentials")]
    [InlineData(new[] { "--user", "carol" }, "each instance forgets a membership after TenantIsolation:Membership:PositiveTtl")]
    public async Task RunAsync_BadUsageOrNoSharedCache_OneLineExit2(string[] args, string expected)
    {
        // Organization-wide eviction is `evict --organization ORG` (no --user); without a shared cache there is no fleet to
        // reach, and the line says what applies instead (per user: the membership TTL; per organization: refresh or restart).
        var root = Directory.CreateTempSubdirectory("gateway-evict-");
        await File.WriteAllTextAsync(Path.Combine(root.FullName, "appsettings.json"), "{}");
        try
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();

            var exit = await EvictCommand.RunAsync(args, Program.VerbHost(root.FullName), stdout, stderr);

            Assert.Equal(EvictCommand.Usage, exit);
            Assert.Empty(stdout.ToString());
            Assert.Contains(expected, Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
