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
}
