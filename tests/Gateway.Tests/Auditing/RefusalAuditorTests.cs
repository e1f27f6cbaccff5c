using Gateway.Testing;
using System.Diagnostics.Metrics;
using Gateway.Auditing;
using Gateway.Diagnostics;
using Gateway.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Auditing;

public sealed class RefusalAuditorTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly CapturingLoggerProvider _logs = new();
    private readonly TestMeterFactory _meters = new();
    private readonly GatewayMetrics _metrics;
    private readonly RefusalAuditor _refusals;
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _outcomes = [];

    public RefusalAuditorTests()
    {
        _metrics = new GatewayMetrics(_meters);
        _refusals = new RefusalAuditor(new AuditLogger(_logs, TestOptions.Wrap(new AuditOptions())), _metrics, _time);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "gateway.requests" && _meters.Owns(instrument.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "outcome")
                {
                    _outcomes[(string)tag.Value!] = _outcomes.GetValueOrDefault((string)tag.Value!) + value;
                }
            }
        });
        _listener.Start();
    }

    private void Refuse(string reason, GatewayProblem problem = GatewayProblem.Unauthenticated)
        => _refusals.Refused(new DefaultHttpContext { TraceIdentifier = "r" }, problem, reason);

    [Fact]
    public void Refused_FloodWithinOneSecond_CountsEveryOneLogsOneLine()
    {
        for (var i = 0; i < 100; i++)
        {
            Refuse("invalid_token");
        }

        Assert.Equal(100, _outcomes["unauthenticated"]);
        var line = Assert.Single(_logs.Entries);
        Assert.Equal(6004, line.EventId.Id);
        Assert.Contains("code=\"unauthenticated\" reason=\"invalid_token\" suppressed=0", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refused_AfterOneSecond_LogsAgainWithSuppressedCount()
    {
        for (var i = 0; i < 10; i++)
        {
            Refuse("invalid_token");
        }

        _time.Advance(TimeSpan.FromMilliseconds(999));
        Refuse("invalid_token");
        Assert.Single(_logs.Entries);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Refuse("invalid_token");

        Assert.Equal(2, _logs.Entries.Count);
        Assert.EndsWith("suppressed=10", _logs.Entries.Last().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refused_DifferentReasons_EachGetsItsOwnLine()
    {
        Refuse("no_token");
        Refuse("invalid_token");
        Refuse("policy_denied", GatewayProblem.Forbidden);
        Refuse("no_token");

        Assert.Equal(3, _logs.Entries.Count);
        Assert.Equal(3, _outcomes["unauthenticated"]);
        Assert.Equal(1, _outcomes["forbidden"]);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _metrics.Dispose();
        _meters.Dispose();
    }
}
