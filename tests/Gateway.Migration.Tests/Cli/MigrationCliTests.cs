using Amazon.DynamoDBv2;
using Gateway.Migration.Cli;

namespace Gateway.Migration.Tests.Cli;

public sealed class MigrationCliTests
{
    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await MigrationCli.RunAsync(args, stdout, stderr, false, TimeProvider.System, _ => throw new InvalidOperationException("no AWS call expected"), CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    public static TheoryData<string> Documented => new()
    {
        "plan", "copy", "validate", "cutover", "rollback", "cleanup",
        "--source", "--target", "--organization-attribute", "--sort-key-from", "--organizations", "--all", "--checkpoint",
        "--max-write-rate", "--segments", "--page-size", "--report", "--organization", "--drain", "--delete",
        "--discard-target-conflicts", "--hide-target-writes", "--plan", "--endpoint", "--gateway-config",
        "reshard", "--shards", "recommend", "--metrics", "--baseline", "--window", "--metric", "--target-utilization", "--json",
    };

    [Theory]
    [MemberData(nameof(Documented))]
    public async Task Help_ListsEveryVerbAndOption_Exit0(string word)
    {
        var (exit, stdout, _) = await RunAsync("--help");

        Assert.Equal(0, exit);
        Assert.Contains(word, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerbHelp_Usage_Exit0()
    {
        var (exit, stdout, _) = await RunAsync("cutover", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("--drain SECONDS", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoArguments_UsageOnStderr_Exit2()
    {
        var (exit, stdout, stderr) = await RunAsync();

        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.Contains("--page-size", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownVerb_OneLine_Exit2()
    {
        var (exit, _, stderr) = await RunAsync("cutovr");

        Assert.Equal(2, exit);
        Assert.Equal("cutovr: unknown verb 'cutovr' (verbs: plan, copy, validate, cutover, rollback, cleanup, export, erase, reshard, recommend; --help lists every option)", stderr.TrimEnd());
    }

    [Theory]
    [InlineData(new[] { "copy", "--checkpoint", "--all" }, "copy: --checkpoint needs a value")]
    [InlineData(new[] { "copy", "--all", "--checkpoint" }, "copy: --checkpoint needs a value")]
    [InlineData(new[] { "copy", "--checkpoint", "a", "--checkpoint=b" }, "copy: --checkpoint given twice")]
    [InlineData(new[] { "plan", "--bogus", "x" }, "plan: unknown argument '--bogus'")]
    [InlineData(new[] { "cleanup", "--source", "t", "@more.rsp" }, "cleanup: unknown argument '@more.rsp'")]
    [InlineData(new[] { "cleanup", "--delete=yes" }, "cleanup: unknown argument 'yes'")]
    public async Task BadArguments_OneLineNamingTheArgument_Exit2(string[] args, string expected)
    {
        var (exit, stdout, stderr) = await RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.Equal(expected, stderr.TrimEnd());
    }

    [Theory]
    [InlineData("-?")]
    [InlineData("-h")]
    public async Task VerbHelp_ShortForms_Exit0(string flag)
    {
        var (exit, stdout, _) = await RunAsync("copy", "--checkpoint", "c.json", flag);

        Assert.Equal(0, exit);
        Assert.Contains("--page-size", stdout, StringComparison.Ordinal);
    }
}
