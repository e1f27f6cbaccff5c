using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using Gateway.Cli;
using Gateway.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Cli;

public sealed class ReportCommandTests : IDisposable
{
    private static readonly string Template = RepoPaths.Combine("deploy", "cloudformation", "tenant-gateway.yaml");
    private readonly DirectoryInfo _config = Directory.CreateTempSubdirectory("gateway-report-config-");
    private readonly DirectoryInfo _out = Directory.CreateTempSubdirectory("gateway-report-out-");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 31, 12, 0, 0, TimeSpan.Zero));

    public ReportCommandTests()
    {
        // The shipped appsettings.json + the local settings (role ARN, AWS keys, envelope keys) as the live configuration.
        File.Copy(RepoPaths.Combine("appsettings.json"), Path.Combine(_config.FullName, "appsettings.json"));
        File.Copy(RepoPaths.Combine("appsettings.Local.json"), Path.Combine(_config.FullName, "appsettings.Production.json"));
    }

    public void Dispose()
    {
        _config.Delete(recursive: true);
        _out.Delete(recursive: true);
    }

    [Fact]
    public void Run_WritesHtmlAndMarkdown_NamingEveryRoleAndPermissionSet_EverySection()
    {
        var verify = WriteVerifyJson();

        var (code, stdout, stderr) = Run("--out", _out.FullName, "--verify-json", verify, "--template", Template);

        Assert.True(code == 0, stderr);
        Assert.StartsWith("report: wrote ", stdout, StringComparison.Ordinal);
        var html = File.ReadAllText(Path.Combine(_out.FullName, ReportCommand.HtmlFile));
        var markdown = File.ReadAllText(Path.Combine(_out.FullName, ReportCommand.MarkdownFile));
        using var settings = JsonDocument.Parse(File.ReadAllText(RepoPaths.Combine("appsettings.json")));
        var isolation = settings.RootElement.GetProperty("TenantIsolation");
        var roles = isolation.GetProperty("Roles").EnumerateObject().Select(p => p.Name).ToList();
        var sets = isolation.GetProperty("PermissionSets").EnumerateObject().Select(p => p.Name).ToList();
        Assert.NotEmpty(roles);
        Assert.NotEmpty(sets);
        foreach (var text in new[] { html, markdown })
        {
            Assert.All(roles, role => Assert.Contains(role, text, StringComparison.Ordinal));
            Assert.All(sets, set => Assert.Contains($"Permission set {set}", text, StringComparison.Ordinal));
            Assert.All(sets, set => Assert.Contains($"acme+{set}", text, StringComparison.Ordinal));
            Assert.Contains("GatewayWithSourceIdentity", text, StringComparison.Ordinal); // the template's trust policy, verbatim
            Assert.Contains("tenant-role-trust", text, StringComparison.Ordinal); // the verify result's checks
            Assert.Contains("2026-03-31T12:00:00Z", text, StringComparison.Ordinal);
        }

        // Well-formed, self-contained HTML with every section.
        var document = new XmlDocument();
        using (var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }))
        {
            document.Load(reader);
        }

        foreach (var id in ReportCommand.SectionIds)
        {
            var section = document.SelectSingleNode($"/html/body/section[@id='{id}']");
            Assert.NotNull(section);
            Assert.NotNull(section!.SelectSingleNode("h2"));
            Assert.Contains($"<a id=\"{id}\"></a>", markdown, StringComparison.Ordinal);
        }

        Assert.Empty(document.SelectNodes("//script")!.Cast<XmlNode>());
        Assert.DoesNotMatch("(src|href)=\"https?:", html);

        // Each session policy in the report is the policy the gateway sends (same builder, same configuration).
        Assert.Contains("\"dynamodb:LeadingKeys\": \"false\"", html.Replace("&quot;", "\"", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_VerifyJsonWithHtmlAndMarkdown_MarkdownShowsItLiterallyAsTheHtmlReportDoes()
    {
        // A verify JSON is input: whatever its strings hold must not become HTML, links or table cells in report.md.
        var verify = Path.Combine(_out.FullName, "hostile.json");
        File.WriteAllText(verify, """
            {
              "checks": [
                { "name": "<script>alert(1)</script> [click](javascript:alert(2))", "expected": "a|b", "observed": "<img src=x onerror=alert(3)> **bold** `code`", "passed": false }
              ],
              "passed": 0,
              "failed": 1
            }
            """);

        var (code, _, stderr) = Run("--out", _out.FullName, "--verify-json", verify, "--template", Template);

        Assert.True(code == 0, stderr);
        var markdown = File.ReadAllText(Path.Combine(_out.FullName, ReportCommand.MarkdownFile));
        Assert.DoesNotContain("<script", markdown, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", markdown, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"(?<!\\)\]\(javascript:", markdown);
        Assert.DoesNotMatch(@"(?<!\\)\*\*bold", markdown);
        var row = Assert.Single(markdown.Split('\n'), l => l.Contains("alert(1)", StringComparison.Ordinal));
        Assert.Equal(
            @"| &lt;script&gt;alert(1)&lt;/script&gt; \[click\](javascript:alert(2)) | a\|b | &lt;img src=x onerror=alert(3)&gt; \*\*bold\*\* \`code\` | FAIL |",
            row);
        var html = File.ReadAllText(Path.Combine(_out.FullName, ReportCommand.HtmlFile));
        Assert.Contains("&lt;img src=x onerror=alert(3)&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ContainsNoSecretFromTheConfiguration()
    {
        var (code, _, stderr) = Run("--out", _out.FullName, "--template", Template);
        Assert.True(code == 0, stderr);

        var secrets = Secrets(JsonDocument.Parse(File.ReadAllText(RepoPaths.Combine("appsettings.Local.json"))).RootElement).ToList();
        Assert.Contains("local-gateway-secret", secrets); // the scan really finds the configured secrets
        foreach (var file in new[] { ReportCommand.HtmlFile, ReportCommand.MarkdownFile })
        {
            var text = File.ReadAllText(Path.Combine(_out.FullName, file));
            Assert.All(secrets, secret => Assert.DoesNotContain(secret, text, StringComparison.Ordinal));
            Assert.Contains("not provided", text, StringComparison.Ordinal); // no --verify-json
        }
    }

    [Fact]
    public void Guarantees_CiteTestsThatExist()
    {
        foreach (var (_, tests) in ReportCommand.Guarantees)
        {
            foreach (var test in tests)
            {
                var (file, method) = (test[..test.IndexOf(':', StringComparison.Ordinal)], test[(test.IndexOf(':', StringComparison.Ordinal) + 2)..]);
                var source = File.ReadAllText(RepoPaths.Combine(file.Split('/')));
                Assert.Matches(new Regex($"(void|Task) {Regex.Escape(method)}\\("), source);
            }
        }
    }

    [Fact]
    public void IamResources_AnyIndentationTagsAndComments_OnlyIamResourcesVerbatim()
    {
        string[] lines =
        [
            "Resources:",
            "    # the tenant role",
            "    TenantRole:",
            "        Type: AWS::IAM::Role",
            "        Properties:",
            "            RoleName: !Sub '${AWS::StackName}-tenant'",
            "",
            "    # not IAM, though a property says so",
            "    Table:",
            "        Type: AWS::DynamoDB::Table",
            "        Properties:",
            "            Note: \"Type: AWS::IAM::Role\"",
            "Outputs:",
            "    Role: !Ref TenantRole",
        ];

        var resources = ReportCommand.IamResources(lines);

        var (name, block) = Assert.Single(resources);
        Assert.Equal("TenantRole", name);
        Assert.Equal(string.Join('\n', lines[2..6]), block);
    }

    [Fact]
    public void IamResources_EveryIamResourceOfTheTemplate()
    {
        var lines = File.ReadAllLines(Template);

        var resources = ReportCommand.IamResources(lines);

        Assert.Equal(lines.Count(l => l.TrimStart().StartsWith("Type: AWS::IAM::", StringComparison.Ordinal)), resources.Count);
        Assert.Contains(resources, r => r.Block.Contains("AssumeRolePolicyDocument", StringComparison.Ordinal));
        Assert.All(resources, r => Assert.Single(Regex.Matches(r.Block, "Type: AWS::IAM::")));
    }

    [Theory]
    [InlineData]
    [InlineData("--out")]
    [InlineData("--out", "OUT", "--verify-json", "no-such-file.json")]
    [InlineData("--out", "OUT", "--verify-json", "BADJSON")]
    [InlineData("--out", "OUT", "--template", "no-such-template.yaml")]
    [InlineData("--out", "OUT", "--organization", "acme")]
    public void Run_BadInput_Exit2_OneLine(params string[] args)
    {
        var bad = Path.Combine(_out.FullName, "bad.json");
        File.WriteAllText(bad, "{\"not\":\"a verify result\"}");

        var (code, stdout, stderr) = Run(args.Select(a => a switch { "OUT" => _out.FullName, "BADJSON" => bad, _ => a }).ToArray());

        Assert.Equal(ReportCommand.Usage, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("report: ", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_out.FullName, ReportCommand.HtmlFile)));
    }

    private static IEnumerable<string> Secrets(JsonElement element, string? name = null)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                return element.EnumerateObject().SelectMany(p => Secrets(p.Value, p.Name));
            case JsonValueKind.Array:
                return element.EnumerateArray().SelectMany(e => Secrets(e, name));
            case JsonValueKind.String when name is "SecretAccessKey" or "Key" or "SessionToken":
                return [element.GetString()!];
            default:
                return [];
        }
    }

    private string WriteVerifyJson()
    {
        var path = Path.Combine(_out.FullName, "verify.json");
        File.WriteAllText(path, """
            {
              "checks": [
                { "name": "tenant-role-trust", "expected": "only the gateway, with SourceIdentity", "observed": "only the gateway", "passed": true },
                { "name": "cross-tenant GetItem", "expected": "AccessDeniedException", "observed": "AccessDeniedException", "passed": true }
              ],
              "passed": 2,
              "failed": 0
            }
            """);
        return path;
    }

    private (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = ReportCommand.Run(args, Program.VerbHost(_config.FullName), _time, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString().Replace("\r", string.Empty, StringComparison.Ordinal));
    }
}
