using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// The AssumeRole budget (docs/gateway.md, "STS admission"): at most <c>Sts:MaxAssumeRolePerSecond</c> calls per second
/// (a window per second of <see cref="TimeProvider"/>), per instance — or for the fleet through <see cref="IStsBudgetStore"/>
/// (Redis), with this instance's share <c>MaxAssumeRolePerSecond / ExpectedInstances</c> while Redis is slow or down.
/// While nobody waits and the second has budget left, a call is admitted at once. Otherwise it waits: refresh-ahead
/// calls in one queue that is served first (an organization that has credentials keeps them), new sessions in one
/// queue per organization, served round-robin across organizations as each second's budget arrives (one organization's
/// thousand cold users cannot starve another's first request). A call not admitted within <c>Sts:AdmissionTimeout</c>
/// fails with <see cref="StsAdmissionRejectedException"/>: 503 <c>credentials_unavailable</c> + Retry-After, as for an
/// STS outage; a refresh-ahead that fails so leaves the current credentials in use.
/// </summary>
internal sealed partial class StsAdmission : IDisposable
{
    /// <summary>
    /// With the fleet budget (Redis) an instance takes at most its share (<c>MaxAssumeRolePerSecond / ExpectedInstances</c>)
    /// per round and waits this long before its next round, so every instance with waiters gets a part of each second's
    /// budget: the first instance to reach Redis at a second's start no longer takes all of it (its flooding organization's
    /// cold users then starved the first request of an organization queued on another instance).
    /// </summary>
    internal static readonly TimeSpan FleetRound = TimeSpan.FromMilliseconds(10);

    private readonly TimeProvider _time;
    private readonly IsolationMetrics _metrics;
    private readonly ILogger _logger;
    private readonly IStsBudgetStore? _fleet;
    private readonly int _limit;
    private readonly int _localShare;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _retryAfter;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();

    // Guarded by _lock.
    private readonly Queue<Waiter> _refreshes = new();
    private readonly Dictionary<string, OrganizationQueue> _organizations = new(StringComparer.Ordinal);
    private readonly LinkedList<OrganizationQueue> _ring = new();
    private int _waiting;
    private bool _draining;
    private bool _armed;
    private long _windowSecond = long.MinValue;
    private int _windowUsed;
    private DateTimeOffset _nextWindowAt;
    private int _fallback;

    public StsAdmission(IOptions<TenantIsolationOptions> options, TimeProvider time, IsolationMetrics metrics, ILogger<StsAdmission> logger, IStsBudgetStore? fleet = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sts = options.Value.Sts;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _fleet = fleet;
        _limit = sts.MaxAssumeRolePerSecond;
        var instances = sts.ExpectedInstances ?? options.Value.RateLimits.ExpectedInstances;
        _localShare = Math.Max(1, (int)Math.Ceiling(sts.MaxAssumeRolePerSecond / (double)Math.Max(1, instances)));
        _timeout = sts.AdmissionTimeout;
        _retryAfter = sts.RetryAfter;
        _timer = time.CreateTimer(static s => ((StsAdmission)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        metrics.InitializeStsAdmission();
    }

    /// <summary>Calls waiting for the budget (tests).</summary>
    internal int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting;
            }
        }
    }

    /// <summary>True while the fleet budget in Redis failed and this instance admits its local share.</summary>
    internal bool IsFallback => Volatile.Read(ref _fallback) == 1;

    /// <summary>
    /// Completes when one AssumeRole of <paramref name="organizationId"/> may be made; throws
    /// <see cref="StsAdmissionRejectedException"/> when the budget did not admit it within <c>Sts:AdmissionTimeout</c>.
    /// </summary>
    /// <param name="refresh">Refresh-ahead of credentials still in use: served before new sessions.</param>
    public async ValueTask AdmitAsync(OrganizationId organizationId, bool refresh)
    {
        var kind = refresh ? "refresh" : "new";
        if (Waiting == 0)
        {
            var grant = await TakeAsync(1).ConfigureAwait(false);
            if (grant.Granted == 1)
            {
                _metrics.StsAdmission("admitted", kind, TimeSpan.Zero);
                return;
            }
        }

        var waiter = new Waiter(organizationId.Value, refresh, _time.GetUtcNow(), _time.GetUtcNow() + _timeout);
        lock (_lock)
        {
            if (refresh)
            {
                _refreshes.Enqueue(waiter);
            }
            else
            {
                if (!_organizations.TryGetValue(waiter.OrganizationId, out var queue))
                {
                    queue = new OrganizationQueue(waiter.OrganizationId);
                    _ring.AddLast(queue);
                    _organizations.Add(waiter.OrganizationId, queue);
                }

                queue.Items.Enqueue(waiter);
            }

            _waiting++;
            if (!_draining && !_armed)
            {
                ArmLocked(_time.GetUtcNow());
            }
        }

        _metrics.StsAdmission("queued", kind, null);
        await waiter.Completion.Task.ConfigureAwait(false);
    }

    private void OnTimer() => _ = DrainAsync();

    /// <summary>
    /// Hands the budget out: refresh-ahead first, then one new session per organization in turn; expires waiters past their
    /// deadline; re-arms the timer for the next second (or the next deadline) while anyone waits. One drain at a time; with
    /// the local budget it runs synchronously in the timer's callback.
    /// </summary>
    private async Task DrainAsync()
    {
        lock (_lock)
        {
            _armed = false;
            if (_draining)
            {
                return;
            }

            _draining = true;
        }

        try
        {
            while (true)
            {
                int want;
                List<Waiter>? expired;
                lock (_lock)
                {
                    expired = ExpireLocked(_time.GetUtcNow());
                    want = Math.Min(_waiting, _fleet is null ? _limit : _localShare);
                    if (want == 0)
                    {
                        _draining = false;
                    }
                }

                Reject(expired);
                if (want == 0)
                {
                    return;
                }

                var grant = await TakeAsync(want).ConfigureAwait(false);
                var exhausted = grant.Granted < want;
                var yieldRound = !exhausted && _fleet is not null;
                List<Waiter> admitted;
                lock (_lock)
                {
                    admitted = DequeueLocked(grant.Granted);
                    if (exhausted || yieldRound)
                    {
                        _draining = false;
                        if (_waiting > 0)
                        {
                            var armNow = _time.GetUtcNow();
                            ArmLocked(armNow, yieldRound ? armNow + FleetRound : null);
                        }
                    }
                }

                var now = _time.GetUtcNow();
                foreach (var waiter in admitted)
                {
                    _metrics.StsAdmission("admitted", waiter.Refresh ? "refresh" : "new", now - waiter.Queued);
                    waiter.Completion.TrySetResult();
                }

                if (exhausted || yieldRound)
                {
                    return;
                }
            }
        }
        catch
        {
            lock (_lock)
            {
                _draining = false;
                if (_waiting > 0)
                {
                    ArmLocked(_time.GetUtcNow());
                }
            }

            throw;
        }
    }

    /// <summary>The timer at <paramref name="round"/> (the next fleet round) or else the next budget second, or the earliest deadline, whichever comes first.</summary>
    private void ArmLocked(DateTimeOffset now, DateTimeOffset? round = null)
    {
        var due = round ?? (_nextWindowAt > now ? _nextWindowAt : now + TimeSpan.FromMilliseconds(1));
        if (_refreshes.TryPeek(out var first) && first.Deadline < due)
        {
            due = first.Deadline;
        }

        foreach (var queue in _ring)
        {
            if (queue.Items.TryPeek(out var head) && head.Deadline < due)
            {
                due = head.Deadline;
            }
        }

        var delay = due - now;
        _timer.Change(delay > TimeSpan.Zero ? delay : TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
        _armed = true;
    }

    /// <summary>Up to <paramref name="count"/> waiters: refresh-ahead first (in order), then round-robin across organizations.</summary>
    private List<Waiter> DequeueLocked(int count)
    {
        var admitted = new List<Waiter>(count);
        while (admitted.Count < count && _refreshes.TryDequeue(out var refresh))
        {
            admitted.Add(refresh);
        }

        while (admitted.Count < count && _ring.First is { } node)
        {
            var queue = node.Value;
            admitted.Add(queue.Items.Dequeue());
            _ring.RemoveFirst();
            if (queue.Items.Count > 0)
            {
                _ring.AddLast(node);
            }
            else
            {
                _organizations.Remove(queue.OrganizationId);
            }
        }

        _waiting -= admitted.Count;
        return admitted;
    }

    private List<Waiter>? ExpireLocked(DateTimeOffset now)
    {
        List<Waiter>? expired = null;
        while (_refreshes.TryPeek(out var refresh) && refresh.Deadline <= now)
        {
            (expired ??= []).Add(_refreshes.Dequeue());
        }

        var node = _ring.First;
        while (node is not null)
        {
            var next = node.Next;
            var queue = node.Value;
            while (queue.Items.TryPeek(out var head) && head.Deadline <= now)
            {
                (expired ??= []).Add(queue.Items.Dequeue());
            }

            if (queue.Items.Count == 0)
            {
                _ring.Remove(node);
                _organizations.Remove(queue.OrganizationId);
            }

            node = next;
        }

        _waiting -= expired?.Count ?? 0;
        return expired;
    }

    private void Reject(List<Waiter>? expired)
    {
        if (expired is null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        foreach (var waiter in expired)
        {
            _metrics.StsAdmission("rejected", waiter.Refresh ? "refresh" : "new", now - waiter.Queued);
            Log.Rejected(_logger, waiter.OrganizationId, waiter.Refresh ? "refresh-ahead" : "new session", _timeout, _limit);
            waiter.Completion.TrySetException(new StsAdmissionRejectedException(
                $"The AssumeRole budget ({_limit} per second) did not admit this call within {_timeout.TotalSeconds:0.###} s.", _retryAfter));
        }
    }

    /// <summary>Up to <paramref name="want"/> calls from the current second: the fleet's budget, or the local one (the whole limit alone, the local share while Redis fails).</summary>
    private async ValueTask<StsBudgetGrant> TakeAsync(int want)
    {
        if (_fleet is not null)
        {
            if (await _fleet.TryTakeAsync(want, _limit).ConfigureAwait(false) is { } fleetGrant)
            {
                if (Interlocked.Exchange(ref _fallback, 0) == 1)
                {
                    Log.FleetRestored(_logger);
                }

                lock (_lock)
                {
                    _nextWindowAt = _time.GetUtcNow() + fleetGrant.NextWindowIn;
                }

                return fleetGrant;
            }

            if (Interlocked.Exchange(ref _fallback, 1) == 0)
            {
                Log.FleetFallback(_logger, _localShare);
            }

            return TakeLocal(want, _localShare);
        }

        return TakeLocal(want, _limit);
    }

    private StsBudgetGrant TakeLocal(int want, int limit)
    {
        var now = _time.GetUtcNow();
        var second = now.UtcTicks / TimeSpan.TicksPerSecond;
        lock (_lock)
        {
            if (second != _windowSecond)
            {
                _windowSecond = second;
                _windowUsed = 0;
            }

            var granted = Math.Max(0, Math.Min(want, limit - _windowUsed));
            _windowUsed += granted;
            _nextWindowAt = new DateTimeOffset((second + 1) * TimeSpan.TicksPerSecond, TimeSpan.Zero);
            return new StsBudgetGrant(granted, _nextWindowAt - now);
        }
    }

    public void Dispose() => _timer.Dispose();

    private sealed class Waiter(string organizationId, bool refresh, DateTimeOffset queued, DateTimeOffset deadline)
    {
        public string OrganizationId { get; } = organizationId;

        public bool Refresh { get; } = refresh;

        public DateTimeOffset Queued { get; } = queued;

        public DateTimeOffset Deadline { get; } = deadline;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class OrganizationQueue(string organizationId)
    {
        public string OrganizationId { get; } = organizationId;

        public Queue<Waiter> Items { get; } = new();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = IsolationLogEvents.StsAdmissionRejected, Level = LogLevel.Debug, Message = "AssumeRole budget: a {Kind} of organization {OrganizationId} was not admitted within {AdmissionTimeout} (Sts:MaxAssumeRolePerSecond {Limit}); credentials_unavailable")]
        public static partial void Rejected(ILogger logger, string organizationId, string kind, TimeSpan admissionTimeout, int limit);

        [LoggerMessage(EventId = IsolationLogEvents.StsBudgetFleetFallback, Level = LogLevel.Warning, Message = "The fleet's AssumeRole budget in Redis cannot be reached in time; this instance admits its local share of {LocalShare} per second (Sts:MaxAssumeRolePerSecond / Sts:ExpectedInstances) until Redis answers again")]
        public static partial void FleetFallback(ILogger logger, int localShare);

        [LoggerMessage(EventId = IsolationLogEvents.StsBudgetFleetRestored, Level = LogLevel.Information, Message = "Redis answers again; the AssumeRole budget is fleet-wide again")]
        public static partial void FleetRestored(ILogger logger);
    }
}
