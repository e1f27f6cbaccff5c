using Gateway.Cli;

namespace Gateway.Tests.Cli;

public sealed class AuditCommandTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"audit-command-{Guid.NewGuid():N}.log");

    public AuditCommandTests()
    {
        File.WriteAllLines(_file,
        [
            "info: Microsoft.Hosting.Lifetime[14] Now listening on: http://127.0.0.1:8080",
            Line("2026-03-01T08:00:00.000Z", "Gateway.Audit", "acme", "alice"),
            Line("2026-03-15T12:00:00.000Z", "Gateway.Audit", "globex", "bob"),
            Line("2026-03-31T23:59:59.999Z", "Gateway.Audit", "acme", "erin"),
            Line("2026-04-01T00:00:00.000Z", "Gateway.Audit", "acme", "carol"),
            Line("2026-03-10T00:00:00.000Z", "Gateway.Other", "acme", "dave"),
            Line("2026-03-10T00:00:00.000Z", "Gateway.Audit", "acme-eu", "frank"),
            "{not json",
        ]);
    }

    public void Dispose() => File.Delete(_file);

    [Fact]
    public void Run_March_OnlyThatOrganizationsAuditEventsInRange()
    {
        var (code, stdout, stderr) = Run("--organization", "acme", "--from", "2026-03-01", "--to", "2026-04-01", _file);

        Assert.Equal(0, code);
        Assert.Equal(["alice", "erin"], Users(stdout));
        Assert.StartsWith("audit: 2 event(s) for organization acme", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_OtherOrganization_ItsEventsOnly()
    {
        var (code, stdout, _) = Run("--organization", "globex", _file);

        Assert.Equal(0, code);
        Assert.Equal(["bob"], Users(stdout));
    }

    [Fact]
    public void Run_NoRange_EveryAuditEventOfTheOrganization_ExactMatchNotPrefix()
    {
        var (_, stdout, _) = Run("--organization", "acme", _file);

        Assert.Equal(["alice", "erin", "carol"], Users(stdout));
    }

    [Fact]
    public void Run_TextLogOnly_Exit2OneLineNamingTheFormatNeeded()
    {
        // What a gateway started with ASPNETCORE_ENVIRONMENT=Local alone writes (the simple console formatter).
        var text = Path.Combine(Path.GetTempPath(), $"audit-command-{Guid.NewGuid():N}.log");
        try
        {
            File.WriteAllLines(text,
            [
                "info: Microsoft.Hosting.Lifetime[14]",
                "      Now listening on: http://127.0.0.1:5000",
                "info: Gateway.Audit[6002]",
                "      audit decision=deny requestId=\"0HN:1\" organizationId=\"globex\" userId=\"alice\" route=\"api\" code=\"not_a_member\"",
            ]);

            var (code, stdout, stderr) = Run("--organization", "globex", text);

            Assert.Equal(AuditCommand.Usage, code);
            Assert.Empty(stdout);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"audit: none of the 4 line(s) in {text} is a JSON log entry", line, StringComparison.Ordinal);
            Assert.Contains("Logging__Console__FormatterName=json", line, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(text);
        }
    }

    [Fact]
    public void Run_SomeLinesNotJson_SummaryNamesTheFormatExit0()
    {
        // The allow twin: a JSON log with a few text lines is read; the summary still says what was skipped and why.
        var (code, _, stderr) = Run("--organization", "globex", _file);

        Assert.Equal(0, code);
        Assert.Contains("2 not JSON log entries (skipped: audit reads the gateway's JSON console log", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--from", "2026-03-01")]
    [InlineData("--organization", "acme")]
    [InlineData("--organization", "acme*", "FILE")]
    [InlineData("--organization", "acme", "--from", "yesterday", "FILE")]
    [InlineData("--organization", "acme", "--from", "2026-04-01", "--to", "2026-03-01", "FILE")]
    [InlineData("--organization", "acme", "--since", "2026-03-01", "FILE")]
    [InlineData("--organization", "acme", "no-such-file.log")]
    [InlineData("--organization")]
    public void Run_BadInput_Exit2_OneLine(params string[] args)
    {
        var (code, stdout, stderr) = Run(args.Select(a => a == "FILE" ? _file : a).ToArray());

        Assert.Equal(AuditCommand.Usage, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("audit: ", stderr, StringComparison.Ordinal);
    }

    private static string Line(string timestamp, string category, string organization, string user)
        => $"{{\"Timestamp\":\"{timestamp}\",\"EventId\":6002,\"LogLevel\":\"Information\",\"Category\":\"{category}\",\"Message\":\"audit\",\"State\":{{\"event\":\"tenant.denied\",\"decision\":\"deny\",\"organizationId\":\"{organization}\",\"userId\":\"{user}\"}}}}";

    private static string[] Users(string stdout)
        => stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("State").GetProperty("userId").GetString()!)
            .ToArray();

    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = AuditCommand.Run(args, Program.VerbHost(Directory.GetCurrentDirectory()), stdout, stderr);
        return (code, stdout.ToString().Replace("\r", string.Empty, StringComparison.Ordinal), stderr.ToString().Replace("\r", string.Empty, StringComparison.Ordinal));
    }
}
