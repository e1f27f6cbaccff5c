using Gateway.Cli;

namespace Gateway.Tests.Cli;

public sealed class VerifyCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> RunAsync(string contentRoot, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await VerifyCommand.RunAsync(args, contentRoot, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("--organizations", "zz-verify-a")]
    [InlineData("--organizations", "zz-verify-a,zz-verify-a")]
    [InlineData("--organizations", "zz-verify-a,bad org")]
    [InlineData("--json")]
    [InlineData("--bogus", "x")]
    public async Task RunAsync_BadUsage_Exit2OneLine(params string[] args)
    {
        var (exit, stdout, stderr) = await RunAsync(Path.GetTempPath(), args);

        Assert.Equal(VerifyCommand.Usage, exit);
        Assert.Empty(stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("verify: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_InvalidConfiguration_Exit2OneLineNamingTheKey()
    {
        var empty = Directory.CreateTempSubdirectory("gateway-verify-");
        try
        {
            var (exit, stdout, stderr) = await RunAsync(empty.FullName);

            Assert.Equal(VerifyCommand.Usage, exit);
            Assert.Empty(stdout);
            Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("verify: configuration is invalid (", stderr, StringComparison.Ordinal);
            Assert.Contains("TenantIsolation:RoleArn", stderr, StringComparison.Ordinal);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RunAsync_Help_Exit0()
    {
        var (exit, stdout, _) = await RunAsync(Path.GetTempPath(), "--help");

        Assert.Equal(0, exit);
        Assert.StartsWith("usage: Gateway verify", stdout, StringComparison.Ordinal);
    }
}
