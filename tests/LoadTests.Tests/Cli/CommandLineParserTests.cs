using LoadTests.Cli;

namespace LoadTests.Tests.Cli;

public sealed class CommandLineParserTests
{
    [Fact]
    public void Parse_ScenarioOnly_UsesDefaults()
    {
        var options = CommandLineParser.Parse(["throughput"]).Options!;

        Assert.Equal("throughput", options.Scenario);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Duration);
        Assert.Null(options.Rate);
        Assert.Null(options.GatewayUrl);
        Assert.Null(options.Rounds);
        Assert.False(options.BackendHttp2);
        Assert.Equal(TimeSpan.FromSeconds(3), options.EffectiveWarmUp);
    }

    [Fact]
    public void Parse_AllOptions_AreRead()
    {
        var result = CommandLineParser.Parse(
        [
            "isolation", "--duration", "45s", "--rate", "250.5", "--connections", "32", "--organizations", "1000", "--report", "out/dir",
            "--warm-up=500ms", "--rounds", "5", "--backend-http", "2", "--gateway-url", "http://127.0.0.1:5000", "--backend-url", "http://localhost:5100", "--localaws-url", "http://[::1]:4566",
        ]);

        var options = result.Options!;
        Assert.Null(result.Error);
        Assert.Equal(TimeSpan.FromSeconds(45), options.Duration);
        Assert.Equal(250.5, options.Rate);
        Assert.Equal(32, options.Connections);
        Assert.Equal(1000, options.Organizations);
        Assert.Equal("out/dir", options.ReportDirectory);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.WarmUp);
        Assert.Equal(5, options.Rounds);
        Assert.True(options.BackendHttp2);
        Assert.Equal(5000, options.GatewayUrl!.Port);
        Assert.Equal("localhost", options.BackendUrl!.Host);
        Assert.Equal(4566, options.LocalAwsUrl!.Port);
    }

    [Theory]
    [InlineData("2s", 2)]
    [InlineData("0", 0)]
    [InlineData("1500ms", 1.5)]
    public void Parse_DrainDelay_IsRead(string text, double seconds)
    {
        var options = CommandLineParser.Parse(["rolling-restart", "--drain-delay", text]).Options!;

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.DrainDelay);
    }

    [Fact]
    public void Parse_NoDrainDelay_LeavesTheScenarioDefault() =>
        Assert.Null(CommandLineParser.Parse(["rolling-restart"]).Options!.DrainDelay);

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("500ms", 0.5)]
    [InlineData("2m", 120)]
    [InlineData("45", 45)]
    [InlineData("1.5s", 1.5)]
    public void TryDuration_Valid_Parses(string text, double seconds)
    {
        Assert.True(CommandLineParser.TryDuration(text, out var duration, out var error));
        Assert.Null(error);
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData(new string[0], "missing SCENARIO")]
    [InlineData(new[] { "nope" }, "unknown scenario 'nope'")]
    [InlineData(new[] { "overhead", "--duration", "soon" }, "'soon' is not a duration")]
    [InlineData(new[] { "overhead", "--duration", "90m" }, "between")]
    [InlineData(new[] { "overhead", "--duration", "-5s" }, "between")]
    [InlineData(new[] { "overhead", "--rate", "0" }, "--rate must be")]
    [InlineData(new[] { "overhead", "--rounds", "0" }, "--rounds must be")]
    [InlineData(new[] { "overhead", "--backend-http", "3" }, "--backend-http must be 1.1 or 2")]
    [InlineData(new[] { "overhead", "--rate", "NaN" }, "--rate must be")]
    [InlineData(new[] { "rolling-restart", "--drain-delay", "61s" }, "--drain-delay '61s' must be between 0 and 60s")]
    [InlineData(new[] { "rolling-restart", "--drain-delay", "soon" }, "'soon' is not a duration")]
    [InlineData(new[] { "overhead", "--connections", "0" }, "--connections must be")]
    [InlineData(new[] { "overhead", "--organizations", "ten" }, "--organizations must be")]
    [InlineData(new[] { "overhead", "--rate" }, "--rate needs a value")]
    [InlineData(new[] { "overhead", "--bogus", "1" }, "unknown option '--bogus'")]
    [InlineData(new[] { "overhead", "extra" }, "unexpected argument 'extra'")]
    [InlineData(new[] { "overhead", "--rate", "5", "--rate", "6" }, "--rate given twice")]
    [InlineData(new[] { "overhead", "--gateway-url", "http://10.1.2.3:5000", "--backend-url", "http://127.0.0.1:1", "--localaws-url", "http://127.0.0.1:2" }, "loopback only")]
    [InlineData(new[] { "overhead", "--gateway-url", "http://example.com", "--backend-url", "http://127.0.0.1:1", "--localaws-url", "http://127.0.0.1:2" }, "loopback only")]
    [InlineData(new[] { "overhead", "--gateway-url", "ftp://127.0.0.1/" }, "http(s) URL")]
    [InlineData(new[] { "overhead", "--gateway-url", "http://127.0.0.1:5000" }, "give all three or none")]
    [InlineData(new[] { "overhead", "--rate", "--connections", "5" }, "--rate needs a value")]
    [InlineData(new[] { "overhead", "@args.rsp" }, "unexpected argument '@args.rsp'")]
    [InlineData(new[] { "[suggest]", "overhead" }, "unexpected argument '[suggest]'")]
    [InlineData(new[] { "overhead", "--version" }, "unknown option '--version'")]
    public void Parse_BadArguments_FailsWithOneLine(string[] args, string expected)
    {
        var result = CommandLineParser.Parse(args);

        Assert.Null(result.Options);
        Assert.NotNull(result.Error);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', result.Error);
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("--help")]
    [InlineData("-?")]
    public void Parse_Help_RequestsHelp(string flag) =>
        Assert.True(CommandLineParser.Parse(["all", flag]).HelpRequested);

    [Fact]
    public void EveryScenario_IsListedInTheUsageTheReadmeAndDocsLoadtests()
    {
        // Issue 20: docs/loadtests.md's scenario list lacked `cold`.
        var docs = File.ReadAllText(Gateway.Testing.RepoPaths.Combine("docs", "loadtests.md"));
        var docsList = docs[docs.IndexOf("- `SCENARIO`:", StringComparison.Ordinal)..];
        docsList = docsList[..docsList.IndexOf("\n- ", 1, StringComparison.Ordinal)];
        var readme = File.ReadAllLines(Gateway.Testing.RepoPaths.Combine("README.md"))
            .Single(line => line.StartsWith("dotnet loadtests/bin/Release/net10.0/LoadTests.dll SCENARIO", StringComparison.Ordinal));
        var usage = CommandLineParser.Usage.Split('\n').Single(line => line.StartsWith("scenarios:", StringComparison.Ordinal));

        foreach (var scenario in RunOptions.Scenarios)
        {
            Assert.True(docsList.Contains($"`{scenario}`", StringComparison.Ordinal), $"docs/loadtests.md's SCENARIO list lacks `{scenario}`: {docsList}");
            Assert.Matches($@"[ |]{System.Text.RegularExpressions.Regex.Escape(scenario)}(\||$)", " " + readme[(readme.IndexOf('#', StringComparison.Ordinal) + 1)..].Trim());
            Assert.Matches($@"[ ,]{System.Text.RegularExpressions.Regex.Escape(scenario)}[, ]", usage);
        }
    }
}
