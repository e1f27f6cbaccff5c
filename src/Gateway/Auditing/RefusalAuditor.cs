using System.Collections.Concurrent;
using Gateway.Diagnostics;
using Gateway.Problems;

namespace Gateway.Auditing;

/// <summary>
/// Makes floods of refusals visible without letting them flood the log: every refusal outside the tenant pipeline (401
/// <c>unauthenticated</c>, 403 <c>forbidden</c>, 405 <c>method_not_allowed</c>) is counted in <c>gateway.requests</c>, and
/// at most one audit line per <see cref="Interval"/> is written per reason; every 429 <c>organization_rate_limited</c>
/// (<see cref="Limited"/>, counted by the tenant middleware) gets at most one line per <see cref="Interval"/> per
/// organization. Each line carries how many refusals were not logged since the previous one. Time comes from
/// <see cref="TimeProvider"/>.
/// </summary>
internal sealed class RefusalAuditor(AuditLogger audit, GatewayMetrics metrics, TimeProvider time)
{
    /// <summary>At most one audit line per reason (or per rate-limited organization) per interval.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>Above this many organization windows, windows idle for an interval are dropped (a window is only state for a suppressed count).</summary>
    internal const int OrganizationWindowsLimit = 10_000;

    // Reasons are the fixed constants of AuthenticationRefusal (plus "method"), so this stays a handful of entries.
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    // One window per rate-limited organization (members of existing organizations only), pruned past OrganizationWindowsLimit.
    private readonly ConcurrentDictionary<string, Window> _organizations = new(StringComparer.Ordinal);

    public void Refused(HttpContext context, GatewayProblem problem, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        metrics.Request(problem);
        if (TryTake(_windows, reason, out var suppressed))
        {
            audit.Refused(context.TraceIdentifier, context.GetEndpoint()?.DisplayName, ProblemTable.For(problem).Code, reason, suppressed);
        }
    }

    /// <summary>Audits a rate-limited request (429): at most one line per organization per <see cref="Interval"/>, with the suppressed count. Not counted here.</summary>
    public void Limited(string requestId, string organizationId, string userId, string routeId, string code, string reason)
    {
        if (_organizations.Count > OrganizationWindowsLimit)
        {
            Prune();
        }

        if (TryTake(_organizations, organizationId, out var suppressed))
        {
            audit.Denied(requestId, organizationId, userId, routeId, code, reason, suppressed);
        }
    }

    private bool TryTake(ConcurrentDictionary<string, Window> windows, string key, out long suppressed)
    {
        var window = windows.GetOrAdd(key, static _ => new Window());
        var now = time.GetUtcNow().UtcTicks;
        var next = Volatile.Read(ref window.NextTicks);
        if (now >= next && Interlocked.CompareExchange(ref window.NextTicks, now + Interval.Ticks, next) == next)
        {
            suppressed = Interlocked.Exchange(ref window.Suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref window.Suppressed);
        suppressed = 0;
        return false;
    }

    /// <summary>Drops organization windows idle for a whole interval with nothing suppressed (their next line would report 0 anyway).</summary>
    private void Prune()
    {
        var now = time.GetUtcNow().UtcTicks;
        foreach (var (key, window) in _organizations)
        {
            if (now - Volatile.Read(ref window.NextTicks) > Interval.Ticks && Volatile.Read(ref window.Suppressed) == 0)
            {
                _organizations.TryRemove(new KeyValuePair<string, Window>(key, window));
            }
        }
    }

    private sealed class Window
    {
        public long NextTicks;
        public long Suppressed;
    }
}
