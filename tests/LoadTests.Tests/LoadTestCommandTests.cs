namespace LoadTests.Tests;

public sealed class LoadTestCommandTests
{
    [Theory]
    [InlineData("nope")]
    [InlineData("overhead", "--rate", "-1")]
    public async Task RunAsync_BadArguments_ExitsTwoWithOneLineOnStderr(params string[] args)
    {
        using var error = new StringWriter();

        var code = await LoadTestCommand.RunAsync(args, CancellationToken.None, error: error);

        Assert.Equal(LoadTestCommand.BadArguments, code);
        var text = error.ToString();
        Assert.StartsWith("LoadTests: ", text, StringComparison.Ordinal);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task RunAsync_Help_ExitsZero()
    {
        using var error = new StringWriter();

        var code = await LoadTestCommand.RunAsync(["--help"], CancellationToken.None, error: error);

        Assert.Equal(LoadTestCommand.Passed, code);
        Assert.Empty(error.ToString());
    }
}
