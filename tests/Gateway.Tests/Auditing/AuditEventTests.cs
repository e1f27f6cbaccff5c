using System.Text.Json;
using Gateway.Auditing;

namespace Gateway.Tests.Auditing;

public sealed class AuditEventTests
{
    /// <summary>The field names docs/gateway.md and the issue promise to SIEM queries.</summary>
    private static readonly string[] DocumentedFields = ["event", "decision", "organizationId", "userId", "route", "code", "session", "requestId", "traceId"];

    [Fact]
    public void State_EveryEvent_CarriesEveryDocumentedField()
    {
        foreach (var audit in new[]
        {
            AuditEvent.Allowed("r1", "acme", "alice", "api", "ADMINISTRATOR", "read-write", "acme-rw", "0af7651916cd43dd8448eb211c80319c"),
            AuditEvent.Denied("r2", "globex", "alice", "api", "not_a_member", "not_a_member", null),
            AuditEvent.Refused("r3", null, "unauthenticated", "no_token", 2, null),
            AuditEvent.Legacy("r4", "acme", "alice", "api", "MEMBER", "legacy-applications", null),
        })
        {
            var keys = audit.Select(p => p.Key).ToList();
            Assert.Equal(AuditEvent.FieldNames, keys);
            Assert.All(DocumentedFields, field => Assert.Contains(field, keys));
            Assert.Equal(audit.Count, keys.Count);
        }
    }

    [Fact]
    public void State_Allowed_ValuesAsGiven_DecisionAllow_NoCode()
    {
        var state = AuditEvent.Allowed("r1", "acme", "alice", "api", "ADMINISTRATOR", "read-write", "acme-rw", "0af7651916cd43dd8448eb211c80319c").ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal("tenant.allowed", state["event"]);
        Assert.Equal("allow", state["decision"]);
        Assert.Equal("acme", state["organizationId"]);
        Assert.Equal("alice", state["userId"]);
        Assert.Equal("acme-rw", state["session"]);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", state["traceId"]);
        Assert.Null(state["code"]);
    }

    [Fact]
    public void State_Denied_DecisionDenyWithCode_NoSession()
    {
        var state = AuditEvent.Denied("r2", "globex", "alice", "api", "not_a_member", "not_a_member", null).ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal("tenant.denied", state["event"]);
        Assert.Equal("deny", state["decision"]);
        Assert.Equal("not_a_member", state["code"]);
        Assert.Null(state["session"]);
    }

    [Fact]
    public void State_Legacy_DecisionLegacyWithCluster_NoSessionNoCode()
    {
        var audit = AuditEvent.Legacy("r4", "acme", "alice", "api", "MEMBER", "legacy-applications", null);
        var state = audit.ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal("tenant.legacy", state["event"]);
        Assert.Equal("legacy", state["decision"]);
        Assert.Equal("legacy-applications", state["cluster"]);
        Assert.Null(state["session"]);
        Assert.Null(state["code"]);
        Assert.Equal("audit decision=legacy requestId=\"r4\" organizationId=\"acme\" userId=\"alice\" route=\"api\" role=\"MEMBER\" cluster=\"legacy-applications\" credentials=none", audit.ToString());
    }

    [Fact]
    public void State_SerializedAsJson_ForgedValueStaysOneStringField()
    {
        // What the JSON console formatter does with the state: a value full of JSON syntax stays the value of its field.
        const string forged = "x\",\"organizationId\":\"acme\",\"decision\":\"allow";
        var audit = AuditEvent.Denied("r", "globex", forged, "api", "not_a_member", "not_a_member", null);
        var json = JsonSerializer.Serialize(audit.ToDictionary(p => p.Key, p => p.Value));

        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal(forged, root.GetProperty("userId").GetString());
        Assert.Equal("globex", root.GetProperty("organizationId").GetString());
        Assert.Equal("deny", root.GetProperty("decision").GetString());
    }

    [Fact]
    public void ToString_ConsecutiveLinesOnOneThread_EachOnlyItsOwnValues()
    {
        var huge = new string('x', 10_000);

        var first = AuditEvent.Allowed("r1", "acme", "alice", "api", "ADMINISTRATOR", "read-write", "acme-rw", null).ToString();
        var long1 = AuditEvent.Denied("r2", huge, "bob", "api", "not_a_member", "not_a_member", null).ToString();
        var second = AuditEvent.Refused("r3", null, "unauthenticated", "no_token", 2, null).ToString();
        var third = AuditEvent.Allowed("r4", "globex", "carol\nwarn: forged", "api", "MEMBER", "read-only", "globex-ro", null).ToString();

        Assert.Equal("audit decision=allow requestId=\"r1\" organizationId=\"acme\" userId=\"alice\" route=\"api\" role=\"ADMINISTRATOR\" permissionSet=\"read-write\" session=\"acme-rw\"", first);
        Assert.Equal($"audit decision=deny requestId=\"r2\" organizationId=\"{huge}\" userId=\"bob\" route=\"api\" code=\"not_a_member\" reason=\"not_a_member\"", long1);
        Assert.Equal("audit decision=deny requestId=\"r3\" route=- code=\"unauthenticated\" reason=\"no_token\" suppressed=2", second);
        Assert.Equal("audit decision=allow requestId=\"r4\" organizationId=\"globex\" userId=\"carol\\u000awarn: forged\" route=\"api\" role=\"MEMBER\" permissionSet=\"read-only\" session=\"globex-ro\"", third);
    }
}
