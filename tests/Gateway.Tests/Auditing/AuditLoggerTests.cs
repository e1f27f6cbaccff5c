using Gateway.Auditing;
using Gateway.Envelopes;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Auditing;

public sealed class AuditLoggerTests : IDisposable
{
    private readonly CapturingLoggerProvider _logs = new();
    private readonly AuditLogger _audit;

    public AuditLoggerTests() => _audit = new AuditLogger(_logs, TestOptions.Wrap(new AuditOptions { AllowSampleRate = 1 }));

    public static TheoryData<string> LineBreakers => new() { "\r\n", "\n", "\r", "\u0085", "\u2028", "\u2029", "\u000b", "\u000c", "\u001b" };

    [Theory]
    [MemberData(nameof(LineBreakers))]
    public void Denied_ValueWithLineBreak_OneLineWithEscapedValue(string breaker)
    {
        var forged = $"alice{breaker}audit decision=allow requestId=r2 organizationId=globex";

        _audit.Denied("r1", "acme", forged, "api", "not_a_member", "not_a_member");

        var message = Assert.Single(_logs.Entries).Message;
        Assert.DoesNotContain(breaker, message, StringComparison.Ordinal);
        Assert.Single(message.Split(['\r', '\n', '\u0085', '\u2028', '\u2029']));
        var escaped = string.Concat(breaker.Select(c => $"\\u{(int)c:x4}"));
        Assert.Contains($"userId=\"alice{escaped}audit decision=allow", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Allowed_ValueWithSpacesAndQuotes_CannotForgeAField()
    {
        _audit.Allowed("r1", "acme", "alice\" decision=\"allow", "api", "ADMINISTRATOR", "read-write", "acme-s");

        var entry = Assert.Single(_logs.Entries);
        Assert.Equal(6003, entry.EventId.Id);
        Assert.Equal(
            "audit decision=allow requestId=\"r1\" organizationId=\"acme\" userId=\"alice\\\" decision=\\\"allow\" route=\"api\" role=\"ADMINISTRATOR\" permissionSet=\"read-write\" session=\"acme-s\"",
            entry.Message);
    }

    [Fact]
    public void Allowed_ShippedConfiguration_EveryAllowedRequestIsAnInformationAuditEvent()
    {
        // The README sends auditors to `audit` to tie a request to a person: with the shipped appsettings.json every
        // allowed request must leave an event at Information (6003), which `audit` reads, not a filtered Debug one.
        var shipped = new ConfigurationBuilder().AddJsonFile(RepoPaths.Combine("appsettings.json")).Build();
        var options = shipped.GetSection(AuditOptions.SectionName).Get<AuditOptions>() ?? new AuditOptions();
        Assert.Equal("Information", shipped["Logging:LogLevel:Gateway.Audit"]);
        using var logs = new CapturingLoggerProvider();
        var audit = new AuditLogger(logs, TestOptions.Wrap(options));

        for (var i = 0; i < 200; i++)
        {
            audit.Allowed($"r{i}", "acme", "alice", "api", "ADMINISTRATOR", "read-write", "acme+read-write");
        }

        Assert.Equal(200, logs.Entries.Count(e => e.EventId.Id == 6003 && e.Level == LogLevel.Information));
        Assert.Equal(1, new AuditOptions().AllowSampleRate); // the same default without the file
    }

    [Fact]
    public void Allowed_UnsampledDebugEvent_EveryValueQuoted()
    {
        // AllowSampleRate 0 writes the Debug event 6001: it must quote exactly like the sampled one.
        using var logs = new CapturingLoggerProvider();
        var audit = new AuditLogger(logs, TestOptions.Wrap(new AuditOptions { AllowSampleRate = 0 }));

        audit.Allowed("r\n1", "acme", "alice\n\"x", "api\r", "ADMINISTRATOR", "read-write", "acme-s");

        var entry = Assert.Single(logs.Entries);
        Assert.Equal(6001, entry.EventId.Id);
        Assert.Equal(
            "audit decision=allow requestId=\"r\\u000a1\" organizationId=\"acme\" userId=\"alice\\u000a\\\"x\" route=\"api\\u000d\" role=\"ADMINISTRATOR\" permissionSet=\"read-write\" session=\"acme-s\"",
            entry.Message);
    }

    [Fact]
    public void Refused_EveryValueQuoted()
    {
        _audit.Refused("r\n1", "api\"x", "unauthenticated", "no_token", 3);

        var entry = Assert.Single(_logs.Entries);
        Assert.Equal(6004, entry.EventId.Id);
        Assert.Equal("audit decision=deny requestId=\"r\\u000a1\" route=\"api\\\"x\" code=\"unauthenticated\" reason=\"no_token\" suppressed=3", entry.Message);
    }

    [Fact]
    public void Denied_OrdinaryValues_QuotedAndMissingAsDash()
    {
        _audit.Denied("r1", null, "alice", "api", "organization_required", "organization_required");

        var entry = Assert.Single(_logs.Entries);
        Assert.Equal(6002, entry.EventId.Id);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal("audit decision=deny requestId=\"r1\" organizationId=- userId=\"alice\" route=\"api\" code=\"organization_required\" reason=\"organization_required\"", entry.Message);
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a\\b", "\"a\\\\b\"")]
    [InlineData("bidi\u202etxt", "\"bidi\\u202etxt\"")]
    [InlineData("emoji 😀", "\"emoji 😀\"")]
    public void Quote_Value_JsonStringLiteral(string value, string expected) => Assert.Equal(expected, LogValue.Quote(value));

    [Fact]
    public void Quote_LoneSurrogate_Escaped() => Assert.Equal("\"lone\\ud800\"", LogValue.Quote("lone" + (char)0xD800));

    public void Dispose() => _logs.Dispose();
}
