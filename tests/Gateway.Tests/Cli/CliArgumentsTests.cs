using Gateway.Cli;
using Gateway.Testing;

namespace Gateway.Tests.Cli;

public sealed class CliArgumentsTests
{
    private static ((string Verb, string[] Args)? Route, int Exit, string Out, string Err) Route(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var route = CliArguments.Route(args, stdout, stderr, out var exit);
        return (route, exit, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    [InlineData("--urls", "http://127.0.0.1:1", "--help")]
    public void Route_Help_ListsEveryVerbExit0AndStartsNothing(params string[] args)
    {
        var (route, exit, stdout, stderr) = Route(args);

        Assert.Null(route);
        Assert.Equal(0, exit);
        Assert.Empty(stderr);
        Assert.StartsWith("usage: Gateway [serve]", stdout, StringComparison.Ordinal);
        foreach (var verb in new[] { "serve", "policy", "verify", "report", "audit", "evict", "revoke" })
        {
            Assert.Matches($@"(?m)^  {verb} ", stdout);
        }

        Assert.Contains("--json FILE", stdout, StringComparison.Ordinal);
        Assert.Contains("--organization ORG", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("polcy", "policy")]
    [InlineData("verfy", "verify")]
    [InlineData("Verify", "verify")]
    [InlineData("run", null)]
    public void Route_UnknownVerb_OneLineNamingItAndTheVerbsExit2(string typed, string? suggestion)
    {
        var (route, exit, stdout, stderr) = Route(typed, "--organization", "acme");

        Assert.Null(route);
        Assert.Equal(CliArguments.Usage, exit);
        Assert.Empty(stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"Gateway: unknown verb '{typed}'", line, StringComparison.Ordinal);
        Assert.Contains("verbs: serve, policy, verify, report, audit, evict, revoke, help", line, StringComparison.Ordinal);
        if (suggestion is null)
        {
            Assert.DoesNotContain("did you mean", line, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains($"did you mean '{suggestion}'?", line, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("verify", "--verify", "--urls", "http://127.0.0.1:1")]
    [InlineData("verify", "--Verify")]
    [InlineData("verify", "--verfy=1")]
    [InlineData("help", "--hepl")]
    [InlineData("policy", "-policy", "--organization", "acme")]
    [InlineData("audit", "--urls", "http://127.0.0.1:1", "--audit")]
    public void Route_VerbWrittenAsAnOption_UnknownVerbLineExit2AndStartsNothing(string suggestion, params string[] args)
    {
        var (route, exit, stdout, stderr) = Route(args);

        Assert.Null(route);
        Assert.Equal(CliArguments.Usage, exit);
        Assert.Empty(stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Gateway: unknown verb '-", line, StringComparison.Ordinal);
        Assert.Contains($"(did you mean '{suggestion}'?)", line, StringComparison.Ordinal);
        Assert.Contains("Nothing was started", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--urls", "http://127.0.0.1:1")]
    [InlineData("--environment", "Local")]
    [InlineData("--contentRoot", "/srv/gateway")]
    [InlineData("--applicationName", "Gateway")]
    [InlineData("--http_ports", "8080")]
    [InlineData("--Urls=http://127.0.0.1:1")]
    [InlineData("--TenantIsolation:Aws:Region", "eu-west-1")]
    [InlineData("--Logging:Console:FormatterName=simple")]
    public void Route_HostOptionsAndConfigurationKeys_StartTheServer(params string[] args)
    {
        var (route, exit, stdout, stderr) = Route(args);

        Assert.Equal(0, exit);
        Assert.Equal("serve", route?.Verb);
        Assert.Equal(args, route?.Args);
        Assert.Empty(stdout + stderr);
    }

    [Theory]
    [InlineData(new string[0], new string[0])]
    [InlineData(new[] { "--urls", "http://127.0.0.1:5000" }, new[] { "--urls", "http://127.0.0.1:5000" })]
    [InlineData(new[] { "Urls=http://127.0.0.1:5000" }, new[] { "Urls=http://127.0.0.1:5000" })]
    [InlineData(new[] { "serve", "--urls", "http://127.0.0.1:5000" }, new[] { "--urls", "http://127.0.0.1:5000" })]
    public void Route_NoVerbOrServe_StartsTheServerWithTheHostArguments(string[] args, string[] hostArgs)
    {
        var (route, _, stdout, stderr) = Route(args);

        Assert.Equal("serve", route?.Verb);
        Assert.Equal(hostArgs, route?.Args);
        Assert.Empty(stdout + stderr);
    }

    [Fact]
    public void Route_Verb_RunsItWithTheRestOfTheArguments()
    {
        var (route, _, _, _) = Route("verify", "--json", "/tmp/v.json");

        Assert.Equal("verify", route?.Verb);
        Assert.Equal(["--json", "/tmp/v.json"], route?.Args ?? []);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("policy")]
    [InlineData("verify")]
    [InlineData("report")]
    [InlineData("audit")]
    [InlineData("evict")]
    [InlineData("revoke")]
    public void Help_EveryVerb_UsageLineFirst(string verb)
    {
        var (route, exit, stdout, _) = Route("help", verb);

        Assert.Null(route);
        Assert.Equal(0, exit);
        Assert.StartsWith($"usage: Gateway {verb}", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("polcy")]
    [InlineData("--hepl")]
    [InlineData("--verify")]
    public async Task Binary_HelpOrUnknownVerb_ExitsWithoutStartingAServer(string argument)
    {
        // Without the verb check the binary would start a gateway (here on a free port) and never exit; --verify would
        // also swallow --urls as its value.
        var run = await ProcessHost.RunDotnetAsync(
            [Built.Dll("src/Gateway", "Gateway"), argument, "--urls", $"http://127.0.0.1:{FreePort.Next()}"],
            new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Local", ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next()}" },
            RepoPaths.Root,
            TimeSpan.FromSeconds(60));

        Assert.True(run.ExitCode == (argument == "--help" ? 0 : CliArguments.Usage), run.ToString());
        Assert.DoesNotContain("Now listening", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
        if (argument == "--help")
        {
            Assert.Contains("verify [--organizations A,B] [--json FILE]", run.StandardOutput, StringComparison.Ordinal);
        }
        else
        {
            var suggestion = argument switch { "polcy" => "policy", "--hepl" => "help", _ => "verify" };
            Assert.Equal($"Gateway: unknown verb '{argument}' (did you mean '{suggestion}'?); verbs: serve, policy, verify, report, audit, evict, revoke, help. Nothing was started; run 'Gateway --help' for usage.", Assert.Single(run.ErrorLines));
        }
    }

    [Fact]
    public async Task Binary_UrlsOption_StartsTheServerListeningThere()
    {
        // The allow twin of the check above: the host's own --urls still starts the gateway, on that address.
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        await using var gateway = await ProcessHost.StartDotnetAsync(
            Built.Dll("src/Gateway", "Gateway"),
            ["--urls", url],
            new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Local", ["ASPNETCORE_URLS"] = null },
            RepoPaths.Root,
            line => line.Contains("Now listening on", StringComparison.Ordinal),
            null,
            TimeSpan.FromSeconds(60));

        Assert.False(gateway.HasExited, gateway.Output);
        Assert.Contains($"Now listening on: {url}", gateway.Output, StringComparison.Ordinal);
    }

    private static (int? Exit, Dictionary<string, string> Values, List<string> Files, string Out, string Err) Read(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var files = new List<string>();
        var exit = CliArguments.TryRead("audit", args, "usage: Gateway audit --organization ORG FILE...", ["--organization", "--from"], stdout, stderr, out var values, files);
        return (exit, values, files, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void TryRead_NameEqualsValueRepeatedOptionAndFiles_LastValueCountsFilesInOrder()
    {
        var (exit, values, files, _, stderr) = Read("a.log", "--organization=globex", "@b.log", "--organization", "acme", "-");

        Assert.Null(exit);
        Assert.Empty(stderr);
        Assert.Equal("acme", values["--organization"]);
        Assert.Equal(["a.log", "@b.log", "-"], files); // @FILE is a file name, never a response file
    }

    [Theory]
    [InlineData(new[] { "--organization", "--from", "2026-01-01", "a.log" }, "audit: --organization needs a value.")]
    [InlineData(new[] { "--organization", "acme", "a.log", "--frm", "2026-01-01" }, "audit: unknown argument '--frm'.")]
    [InlineData(new[] { "[suggest]", "--organization", "acme", "a.log" }, "audit: unknown argument '[suggest]'.")]
    [InlineData(new[] { "--organization", "acme", "a.log", "--version" }, "audit: unknown argument '--version'.")]
    public void TryRead_BadArguments_OneLineExit2(string[] args, string expectedStart)
    {
        var (exit, _, _, stdout, stderr) = Read(args);

        Assert.Equal(CliArguments.Usage, exit);
        Assert.Empty(stdout);
        Assert.StartsWith(expectedStart, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("--help")]
    [InlineData("-?")]
    public void TryRead_Help_VerbHelpExit0(string flag)
    {
        var (exit, _, _, stdout, stderr) = Read("--organization", "acme", flag);

        Assert.Equal(0, exit);
        Assert.Empty(stderr);
        Assert.StartsWith("usage: Gateway audit", stdout, StringComparison.Ordinal);
    }
}
