using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// The AssumeRole budget (docs/gateway.md, "STS admission"): at most <c>Sts:MaxAssumeRolePerSecond</c> calls in any
/// 1 s of <see cref="TimeProvider"/> (a sliding window), per instance — or for the fleet through <see cref="IStsBudgetStore"/>
/// (Redis): then each instance takes at most its share, <c>MaxAssumeRolePerSecond / ExpectedInstances</c> rounded down
/// (≥ 1), of each Redis second, admits the same share locally while Redis is slow or down, and — whichever path granted
/// them — never admits more than its share in any 1 s of its own clock (one record of its last admissions, so a switch
/// between Redis and the local share, or Redis seconds not aligned with the local clock, cannot add one). The fleet stays
/// within the budget whichever instances reach Redis, and an instance that reaches Redis late in a second still finds its share.
/// A call holds its slot from its admission until one second after it completed (<see cref="Slot"/>): STS counts a call when
/// it arrives, which is some time after the admission (the request is sent, a busy host delays it) but never after the
/// response — so no more than the capacity can arrive in any 1 s, however the calls' latencies vary (counting from the
/// admission let a call admitted late in one second arrive together with the next second's).
/// While nobody waits and the second has budget left, a call is admitted at once. Otherwise it waits: refresh-ahead
/// calls in one queue that is served first (an organization that has credentials keeps them), new sessions in one
/// queue per organization, served round-robin across organizations as each second's budget arrives (one organization's
/// thousand cold users cannot starve another's first request). A call not admitted within <c>Sts:AdmissionTimeout</c>
/// fails with <see cref="StsAdmissionRejectedException"/>: 503 <c>credentials_unavailable</c> + Retry-After, as for an
/// STS outage; a refresh-ahead that fails so leaves the current credentials in use.
/// </summary>
internal sealed partial class StsAdmission : IDisposable
{
    /// <summary>Organizations whose last admission is remembered for the ring's order; beyond it, those not waiting are forgotten.</summary>
    private const int MaxRememberedOrganizations = 10_000;

    private readonly TimeProvider _time;
    private readonly IsolationMetrics _metrics;
    private readonly ILogger _logger;
    private readonly IStsBudgetStore? _fleet;
    private readonly int _limit;
    private readonly int _share;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _retryAfter;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();

    // Guarded by _lock.
    private readonly Queue<Waiter> _refreshes = new();
    private readonly Dictionary<string, OrganizationQueue> _organizations = new(StringComparer.Ordinal);
    private readonly LinkedList<OrganizationQueue> _ring = new();
    private readonly Dictionary<string, long> _lastServed = new(StringComparer.Ordinal);
    private int _waiting;
    private bool _draining;
    private bool _armed;
    private readonly int _capacity;
    private readonly Queue<long> _completedAt = new(); // UTC ticks when this instance's calls of the last second completed, oldest first
    private long _lastCompletedAt;
    private int _inFlight; // admitted calls not completed yet (each holds its slot)
    private int _reserved; // slots held by takes in flight (a Redis call)
    private DateTimeOffset _nextWindowAt;
    private long _fleetWindow = long.MinValue;
    private int _fleetWindowTaken;
    private long _serveSequence;
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
        _share = Math.Max(1, sts.MaxAssumeRolePerSecond / Math.Max(1, instances));
        _capacity = fleet is null ? _limit : _share;
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
    /// An admission whose call completes at once (the slot is counted from now): what <see cref="AcquireAsync"/> and an
    /// immediate <see cref="Slot.Dispose"/> do.
    /// </summary>
    public async ValueTask AdmitAsync(OrganizationId organizationId, bool refresh)
    {
        using var slot = await AcquireAsync(organizationId, refresh).ConfigureAwait(false);
    }

    /// <summary>
    /// Completes when one AssumeRole of <paramref name="organizationId"/> may be made, with the slot the call holds until it
    /// completes (dispose it then: the slot frees one second later); throws <see cref="StsAdmissionRejectedException"/> when
    /// the budget did not admit it within <c>Sts:AdmissionTimeout</c>.
    /// </summary>
    /// <param name="refresh">Refresh-ahead of credentials still in use: served before new sessions.</param>
    public async ValueTask<Slot> AcquireAsync(OrganizationId organizationId, bool refresh)
    {
        var kind = refresh ? "refresh" : "new";
        if (MayTakeAtOnce())
        {
            var grant = await TakeAsync(1).ConfigureAwait(false);
            if (grant.Granted == 1)
            {
                if (!refresh)
                {
                    lock (_lock)
                    {
                        ServedLocked(organizationId.Value);
                    }
                }

                _metrics.StsAdmission("admitted", kind, TimeSpan.Zero);
                return new Slot(this);
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
                    queue = new OrganizationQueue(waiter.OrganizationId, _lastServed.GetValueOrDefault(waiter.OrganizationId));
                    InsertLocked(queue);
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
        return new Slot(this);
    }

    /// <summary>A call's completion: its slot is counted from now and frees one second later; a waiter may be due sooner.</summary>
    private void Complete()
    {
        lock (_lock)
        {
            _inFlight--;
            var now = _time.GetUtcNow();
            _lastCompletedAt = Math.Max(now.UtcTicks, _lastCompletedAt); // oldest first, even if the clock stepped back
            _completedAt.Enqueue(_lastCompletedAt);
            if (_waiting > 0 && !_draining)
            {
                ArmLocked(now);
            }
        }
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
                    var at = _time.GetUtcNow();
                    expired = ExpireLocked(at);
                    want = Math.Min(_waiting, WantLocked(at));
                    if (want == 0)
                    {
                        _draining = false;
                        if (_waiting > 0)
                        {
                            ArmLocked(at);
                        }
                    }
                }

                Reject(expired);
                if (want == 0)
                {
                    return;
                }

                var grant = await TakeAsync(want).ConfigureAwait(false);
                var exhausted = grant.Granted < want;
                List<Waiter> admitted;
                lock (_lock)
                {
                    admitted = DequeueLocked(grant.Granted);
                    if (exhausted)
                    {
                        _draining = false;
                        if (_waiting > 0)
                        {
                            ArmLocked(_time.GetUtcNow());
                        }
                    }
                }

                var now = _time.GetUtcNow();
                foreach (var waiter in admitted)
                {
                    _metrics.StsAdmission("admitted", waiter.Refresh ? "refresh" : "new", now - waiter.Queued);
                    waiter.Completion.TrySetResult();
                }

                if (exhausted)
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

    /// <summary>
    /// True when a call may ask for budget without queueing: nobody waits here, and with the fleet budget this instance
    /// has not taken its share of the current budget second yet.
    /// </summary>
    private bool MayTakeAtOnce()
    {
        lock (_lock)
        {
            return _waiting == 0 && WantLocked(_time.GetUtcNow()) > 0;
        }
    }

    /// <summary>
    /// How many calls this instance may ask for now: what its record of the last second leaves of its capacity (the whole
    /// limit alone, its share in a fleet) — and with the fleet budget at most its share less what it took in the current
    /// Redis second (a second not seen yet: the whole share; while Redis fails the record alone decides).
    /// </summary>
    private int WantLocked(DateTimeOffset now)
    {
        var free = FreeLocked(now);
        return _fleet is null || IsFallback || now >= _nextWindowAt ? free : Math.Min(free, Math.Max(0, _share - _fleetWindowTaken));
    }

    /// <summary>
    /// Slots of the capacity not held by a call in flight, by a call that completed in the last second
    /// (<c>(now − 1 s, now]</c>), nor by a take in flight.
    /// </summary>
    private int FreeLocked(DateTimeOffset now)
    {
        var horizon = now.UtcTicks - TimeSpan.TicksPerSecond;
        while (_completedAt.TryPeek(out var at) && at <= horizon)
        {
            _completedAt.Dequeue();
        }

        return Math.Max(0, _capacity - _completedAt.Count - _inFlight - _reserved);
    }

    /// <summary>
    /// When a slot frees: one second after the oldest completed call; with every slot held by a call in flight, not before
    /// one completes (<see cref="Complete"/> arms the timer then); a take in flight: shortly, to look again.
    /// </summary>
    private DateTimeOffset FreeAtLocked(DateTimeOffset now)
    {
        if (FreeLocked(now) > 0)
        {
            return now;
        }

        if (_completedAt.TryPeek(out var oldest))
        {
            return new DateTimeOffset(oldest + TimeSpan.TicksPerSecond, TimeSpan.Zero);
        }

        return _reserved > 0 ? now + TimeSpan.FromMilliseconds(10) : DateTimeOffset.MaxValue;
    }

    /// <summary>Up to <paramref name="want"/> slots of the record, held while the take is in flight.</summary>
    private int ReserveLocked(int want)
    {
        var reserved = Math.Min(want, FreeLocked(_time.GetUtcNow()));
        _reserved += reserved;
        return reserved;
    }

    /// <summary>Releases <paramref name="reserved"/> held slots; <paramref name="granted"/> of them become calls in flight.</summary>
    private void CommitLocked(int reserved, int granted)
    {
        _reserved -= reserved;
        _inFlight += granted;
    }

    /// <summary>
    /// The timer at the next budget second (the fleet's, after a take that found the second exhausted) or when a slot of
    /// the record frees, whichever is later — or the earliest deadline, whichever comes first.
    /// </summary>
    private void ArmLocked(DateTimeOffset now)
    {
        var due = FreeAtLocked(now);
        if (_nextWindowAt > due)
        {
            due = _nextWindowAt;
        }

        if (due <= now)
        {
            due = now + TimeSpan.FromMilliseconds(1);
        }

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

        var delay = due == DateTimeOffset.MaxValue ? TimeSpan.FromMinutes(1) : due - now; // no deadline without a waiter: a bound only
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
            queue.LastServed = ServedLocked(queue.OrganizationId);
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

    /// <summary>
    /// Records that <paramref name="organizationId"/> was just admitted a new session. The ring stays ordered by the last
    /// admission (least recently served first), so an organization that starts waiting goes ahead of the organization
    /// served last — with a budget of one call per tick the flooding organization served at this tick no longer goes
    /// before another organization's first request at the next one — and behind those that waited longer since theirs.
    /// </summary>
    private long ServedLocked(string organizationId)
    {
        if (_lastServed.Count >= MaxRememberedOrganizations)
        {
            foreach (var key in _lastServed.Keys.Where(k => !_organizations.ContainsKey(k)).ToList())
            {
                _lastServed.Remove(key);
            }
        }

        var sequence = ++_serveSequence;
        _lastServed[organizationId] = sequence;
        return sequence;
    }

    /// <summary>Inserts a newly waiting organization before the first one served after it (never served: 0).</summary>
    private void InsertLocked(OrganizationQueue queue)
    {
        for (var node = _ring.First; node is not null; node = node.Next)
        {
            if (node.Value.LastServed > queue.LastServed)
            {
                _ring.AddBefore(node, queue);
                return;
            }
        }

        _ring.AddLast(queue);
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

    /// <summary>
    /// Up to <paramref name="want"/> calls: no more than this instance's record of the last second leaves, then from the
    /// fleet's budget (Redis) or, alone or while Redis fails, from that record only.
    /// </summary>
    private async ValueTask<StsBudgetGrant> TakeAsync(int want)
    {
        int reserved;
        lock (_lock)
        {
            reserved = ReserveLocked(want);
        }

        var granted = 0;
        try
        {
            var grant = reserved == 0 ? new StsBudgetGrant(0, TimeSpan.Zero, 0) : await TakeReservedAsync(reserved).ConfigureAwait(false);
            granted = grant.Granted;
            return grant;
        }
        finally
        {
            lock (_lock)
            {
                CommitLocked(reserved, granted);
            }
        }
    }

    /// <summary>Up to <paramref name="want"/> calls from the fleet's budget, or all of them (already within this instance's record) alone or while Redis fails.</summary>
    private async ValueTask<StsBudgetGrant> TakeReservedAsync(int want)
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
                    if (fleetGrant.Window != _fleetWindow)
                    {
                        _fleetWindow = fleetGrant.Window;
                        _fleetWindowTaken = 0;
                    }

                    _fleetWindowTaken += fleetGrant.Granted;
                }

                return fleetGrant;
            }

            if (Interlocked.Exchange(ref _fallback, 1) == 0)
            {
                Log.FleetFallback(_logger, _share);
            }
        }

        return new StsBudgetGrant(want, TimeSpan.Zero, 0);
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>
    /// The slot of one admitted call: dispose it when the call completed, failed or was abandoned (once; later disposals do
    /// nothing). Until then the slot stays taken; from then it frees one second later.
    /// </summary>
    public sealed class Slot : IDisposable
    {
        private StsAdmission? _owner;

        internal Slot(StsAdmission owner) => _owner = owner;

        public void Dispose() => Interlocked.Exchange(ref _owner, null)?.Complete();
    }

    private sealed class Waiter(string organizationId, bool refresh, DateTimeOffset queued, DateTimeOffset deadline)
    {
        public string OrganizationId { get; } = organizationId;

        public bool Refresh { get; } = refresh;

        public DateTimeOffset Queued { get; } = queued;

        public DateTimeOffset Deadline { get; } = deadline;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class OrganizationQueue(string organizationId, long lastServed)
    {
        public string OrganizationId { get; } = organizationId;

        /// <summary>The serve sequence of this organization's last admitted new session; 0 if none is remembered.</summary>
        public long LastServed { get; set; } = lastServed;

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
