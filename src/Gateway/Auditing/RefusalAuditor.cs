using System.Collections.Concurrent;
using Gateway.Diagnostics;
using Gateway.Problems;

namespace Gateway.Auditing;

/// <summary>
/// Makes every refusal outside the tenant pipeline (401 <c>unauthenticated</c>, 403 <c>forbidden</c>, 405
/// <c>method_not_allowed</c>) visible without letting a token flood flood the log: each one is counted in
/// <c>gateway.requests</c>, and at most one audit line per <see cref="Interval"/> is written per reason, carrying how
/// many refusals with that reason were not logged since the previous line. Time comes from <see cref="TimeProvider"/>.
/// </summary>
internal sealed class RefusalAuditor(AuditLogger audit, GatewayMetrics metrics, TimeProvider time)
{
    /// <summary>At most one audit line per reason per interval.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    // Reasons are the fixed constants of AuthenticationRefusal (plus "method"), so this stays a handful of entries.
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    public void Refused(HttpContext context, GatewayProblem problem, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        metrics.Request(problem);
        var window = _windows.GetOrAdd(reason, static _ => new Window());
        var now = time.GetUtcNow().UtcTicks;
        var next = Volatile.Read(ref window.NextTicks);
        if (now >= next && Interlocked.CompareExchange(ref window.NextTicks, now + Interval.Ticks, next) == next)
        {
            var suppressed = Interlocked.Exchange(ref window.Suppressed, 0);
            audit.Refused(context.TraceIdentifier, context.GetEndpoint()?.DisplayName, ProblemTable.For(problem).Code, reason, suppressed);
        }
        else
        {
            Interlocked.Increment(ref window.Suppressed);
        }
    }

    private sealed class Window
    {
        public long NextTicks;
        public long Suppressed;
    }
}
