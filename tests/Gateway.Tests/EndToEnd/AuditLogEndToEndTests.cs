using System.Net;
using System.Text.Json;
using Gateway.Cli;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// The gateway's JSON console logs over a real process: every audit event is one JSON line whose <c>State</c> carries
/// the documented fields, an identity value cannot forge a field, and <c>Gateway audit</c> filters the captured log
/// for one organization.
/// </summary>
[Collection(ObservabilityTests.Name)]
public sealed class AuditLogEndToEndTests(ObservabilityFixture fixture)
{
    private const string ForgedUser = "mallory\",\"organizationId\":\"acme\",\"decision\":\"allow";

    [Fact]
    public async Task JsonLogs_AuditEventsCarryTheDocumentedFields_AuditCommandFiltersOneOrganization()
    {
        using (var allowed = await fixture.GetApplicationsAsync("carol", "acme"))
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using (var denied = await fixture.GetApplicationsAsync("erin", "initech"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }

        using (var forgedResponse = await fixture.GetApplicationsAsync(ForgedUser, "globex"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forgedResponse.StatusCode);
        }

        var entries = await WaitForAuditAsync(e => e.Any(IsUser("carol")) && e.Any(IsUser("erin")) && e.Any(IsUser(ForgedUser)));

        var allow = entries.Last(IsUser("carol"));
        Assert.Equal(6003, allow.GetProperty("EventId").GetInt32());
        var state = allow.GetProperty("State");
        Assert.Equal("tenant.allowed", state.GetProperty("event").GetString());
        Assert.Equal("allow", state.GetProperty("decision").GetString());
        Assert.Equal("acme", state.GetProperty("organizationId").GetString());
        Assert.Equal("api", state.GetProperty("route").GetString());
        Assert.Equal(JsonValueKind.Null, state.GetProperty("code").ValueKind);
        // CloudTrail alignment: the audit session is the RoleSessionName STS recorded (LocalAws logs AssumeRole as CloudTrail
        // would), per organization and permission set, with the gateway's SourceIdentity for shared organization sessions.
        Assert.Equal("acme+read-only", state.GetProperty("session").GetString());
        Assert.Contains("session=acme+read-only sourceIdentity=tenant-gateway ", fixture.Topology.Aws.Output, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(state.GetProperty("requestId").GetString()));
        Assert.Matches("^[0-9a-f]{32}$", state.GetProperty("traceId").GetString());
        Assert.Equal("read-only", state.GetProperty("permissionSet").GetString());
        Assert.True(allow.TryGetProperty("Timestamp", out _));

        var deny = entries.Last(IsUser("erin")).GetProperty("State");
        Assert.Equal("tenant.denied", deny.GetProperty("event").GetString());
        Assert.Equal("deny", deny.GetProperty("decision").GetString());
        Assert.Equal("initech", deny.GetProperty("organizationId").GetString());
        Assert.Equal("not_a_member", deny.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, deny.GetProperty("session").ValueKind);

        // The forged user id is one JSON string: it neither changes the organization nor the decision.
        var forged = entries.Last(IsUser(ForgedUser)).GetProperty("State");
        Assert.Equal("globex", forged.GetProperty("organizationId").GetString());
        Assert.Equal("deny", forged.GetProperty("decision").GetString());

        // Gateway audit over the captured log: acme's events only, carol's allow among them, nobody else's.
        var file = Path.Combine(Path.GetTempPath(), $"gateway-audit-{Guid.NewGuid():N}.log");
        try
        {
            await File.WriteAllTextAsync(file, fixture.Topology.Gateway.Output);
            var (code, stdout, stderr) = RunAudit("--organization", "acme", file);
            Assert.Equal(0, code);
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(lines);
            Assert.All(lines, line => Assert.Equal("acme", JsonDocument.Parse(line).RootElement.GetProperty("State").GetProperty("organizationId").GetString()));
            Assert.Contains(lines, line => line.Contains("\"userId\":\"carol\"", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, line => line.Contains("mallory", StringComparison.Ordinal));
            Assert.StartsWith($"audit: {lines.Length} event(s) for organization acme", stderr, StringComparison.Ordinal);

            // The same log for initech holds erin's denial; a window that ends before the run holds nothing.
            var (_, initech, _) = RunAudit("--organization", "initech", file);
            Assert.Contains("\"userId\":\"erin\"", initech, StringComparison.Ordinal);
            var (_, none, noneSummary) = RunAudit("--organization", "acme", "--to", "2000-01-01", file);
            Assert.Equal(string.Empty, none);
            Assert.StartsWith("audit: 0 event(s)", noneSummary, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Func<JsonElement, bool> IsUser(string user)
        => e => e.GetProperty("State").TryGetProperty("userId", out var u) && u.ValueKind == JsonValueKind.String && u.GetString() == user;

    private async Task<List<JsonElement>> WaitForAuditAsync(Func<List<JsonElement>, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var entries = new List<JsonElement>();
            foreach (var line in fixture.Topology.Gateway.Output.Split('\n'))
            {
                var trimmed = line.TrimEnd('\r');
                if (!trimmed.StartsWith('{'))
                {
                    continue;
                }

                var root = JsonDocument.Parse(trimmed).RootElement; // every JSON line must parse: one entry per line
                if (root.GetProperty("Category").GetString() == "Gateway.Audit")
                {
                    entries.Add(root);
                }
            }

            if (done(entries) || DateTime.UtcNow >= deadline)
            {
                return entries;
            }

            await Task.Delay(100);
        }
    }

    private static (int Code, string Stdout, string Stderr) RunAudit(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = AuditCommand.Run(args, Program.VerbHost(Directory.GetCurrentDirectory()), stdout, stderr);
        return (code, stdout.ToString().Replace("\r", string.Empty, StringComparison.Ordinal), stderr.ToString());
    }
}
