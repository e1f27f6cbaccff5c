using System.Collections.Concurrent;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.RateLimiting;

/// <summary>
/// Per-organization limits by tier (<c>TenantIsolation:RateLimits</c>), one more outcome of the isolation decision: the
/// engine asks after the membership check and before credentials. For each organization: a concurrency count (the lease
/// is held until the proxied response completes) and a token bucket, local to the instance, or the fleet's in Redis
/// (<see cref="IFleetRateLimitStore"/>) with a local share of <c>limit / ExpectedInstances</c> while Redis is slow or
/// down (one warning on switching, one line when it is back). Never unlimited: an unknown tier gets the default tier.
/// Per-organization state lives only while the organization is active: a sweep drops state that has been idle for
/// <see cref="IdleTimeout"/>, holds no lease and whose buckets are full again (a new state starts full, so nothing is lost).
/// The settings reload: each request reads the current tiers; buckets keep their tokens, capped at the new burst.
/// </summary>
internal sealed partial class OrganizationRateLimiter : IDisposable
{
    /// <summary>State idle this long (and full, and without leases) is dropped by the sweep.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(1);

    /// <summary>At most one unknown-tier warning per organization per interval.</summary>
    public static readonly TimeSpan UnknownTierWarningInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, OrganizationState> _states = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly IsolationMetrics _metrics;
    private readonly ILogger _logger;
    private readonly IFleetRateLimitStore? _fleet;
    private readonly IDisposable? _subscription;
    private readonly ITimer _sweep;
    private RateLimitPolicy _policy;
    private int _fallback;

    public OrganizationRateLimiter(IOptionsMonitor<TenantIsolationOptions> options, TimeProvider time, IsolationMetrics metrics, ILogger<OrganizationRateLimiter> logger, IFleetRateLimitStore? fleet = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _fleet = fleet;
        _policy = new RateLimitPolicy(options.CurrentValue.RateLimits);
        InitializeSeries(options.CurrentValue.RateLimits);
        _subscription = options.OnChange((value, _) =>
        {
            Volatile.Write(ref _policy, new RateLimitPolicy(value.RateLimits));
            InitializeSeries(value.RateLimits);
        });
        _sweep = time.CreateTimer(static state => ((OrganizationRateLimiter)state!).Sweep(), this, IdleTimeout, IdleTimeout);
        metrics.ObserveRateLimitFallback(() => Volatile.Read(ref _fallback));
    }

    /// <summary>Publishes <c>gateway.ratelimit.decisions</c> at 0 for every configured tier and result, so dashboards and alerts see the series before the first decision.</summary>
    private void InitializeSeries(RateLimitOptions options)
    {
        foreach (var tier in options.Tiers.Keys)
        {
            foreach (var result in (ReadOnlySpan<string>)["allowed", RateLimitDecision.RateLimitedReason, RateLimitDecision.ConcurrencyLimitedReason])
            {
                _metrics.RateLimitDecision(tier, result, 0);
            }
        }
    }

    /// <summary>Organizations with state (for tests and the sweep).</summary>
    internal int Count => _states.Count;

    /// <summary>True while the fleet store failed and the local share is enforced.</summary>
    internal bool IsFallback => Volatile.Read(ref _fallback) == 1;

    /// <summary>
    /// Admits or refuses one request of <paramref name="organizationId"/>, whose Organizations item says
    /// <paramref name="tier"/> (null: absent). An allowed answer may carry a lease the caller disposes when the response is complete.
    /// </summary>
    public ValueTask<RateLimitDecision> AcquireAsync(OrganizationId organizationId, string? tier)
    {
        var policy = Volatile.Read(ref _policy);
        if (!policy.Enabled)
        {
            return ValueTask.FromResult(RateLimitDecision.Unlimited);
        }

        var limits = policy.Resolve(tier, out var known);
        if (limits is null)
        {
            return ValueTask.FromResult(RateLimitDecision.Unlimited);
        }

        var now = _time.GetUtcNow().UtcTicks;
        var state = State(organizationId.Value, now, limits);
        if (!known)
        {
            WarnUnknownTier(state, organizationId.Value, tier!, limits.Tier, now);
        }

        var concurrent = _fleet is null ? limits.Concurrent : limits.LocalConcurrent;
        ConcurrencyLease? lease = null;
        if (concurrent is { } maxInFlight)
        {
            if (!state.TryEnter(maxInFlight))
            {
                _metrics.RateLimitDecision(limits.Tier, RateLimitDecision.ConcurrencyLimitedReason);
                return ValueTask.FromResult(new RateLimitDecision(false, limits.Tier, RateLimitDecision.ConcurrencyLimitedReason, TimeSpan.FromSeconds(1), null, null));
            }

            lease = new ConcurrencyLease(state);
        }

        if (limits.Rate is null)
        {
            _metrics.RateLimitDecision(limits.Tier, "allowed");
            return ValueTask.FromResult(new RateLimitDecision(true, limits.Tier, string.Empty, null, null, lease));
        }

        if (_fleet is null)
        {
            BucketResult local;
            lock (state)
            {
                local = state.Bucket.TryTake(now, limits.Rate.Value, limits.Burst);
            }

            return ValueTask.FromResult(Finish(limits, local, lease));
        }

        return FleetAsync(organizationId.Value, state, limits, lease);
    }

    private async ValueTask<RateLimitDecision> FleetAsync(string organizationId, OrganizationState state, TierLimits limits, ConcurrencyLease? lease)
    {
        BucketResult? fleet;
        try
        {
            fleet = await _fleet!.TryTakeAsync(organizationId, limits.Rate!.Value, limits.Burst).ConfigureAwait(false);
        }
        catch
        {
            lease?.Dispose();
            throw;
        }

        if (fleet is { } shared)
        {
            if (Interlocked.Exchange(ref _fallback, 0) == 1)
            {
                Log.FleetRestored(_logger);
            }

            return Finish(limits, shared, lease);
        }

        if (Interlocked.Exchange(ref _fallback, 1) == 0)
        {
            Log.FleetFallback(_logger);
        }

        BucketResult local;
        lock (state)
        {
            local = state.FallbackBucket.TryTake(_time.GetUtcNow().UtcTicks, limits.LocalRate!.Value, limits.LocalBurst);
        }

        return Finish(limits, local, lease);
    }

    private RateLimitDecision Finish(TierLimits limits, BucketResult bucket, ConcurrencyLease? lease)
    {
        var shape = limits.Shape!;
        var status = new RateLimitStatus(limits.Tier, shape.Quota, shape.WindowSeconds, Math.Min(bucket.Remaining, shape.Quota), Seconds(bucket.ResetAfter));
        if (bucket.Allowed)
        {
            _metrics.RateLimitDecision(limits.Tier, "allowed");
            return new RateLimitDecision(true, limits.Tier, string.Empty, null, status, lease);
        }

        lease?.Dispose();
        _metrics.RateLimitDecision(limits.Tier, RateLimitDecision.RateLimitedReason);
        return new RateLimitDecision(false, limits.Tier, RateLimitDecision.RateLimitedReason, bucket.RetryAfter, status, null);
    }

    private static int Seconds(TimeSpan value) => (int)Math.Min(int.MaxValue, Math.Ceiling(value.TotalSeconds));

    private OrganizationState State(string organizationId, long now, TierLimits limits)
    {
        while (true)
        {
            var state = _states.GetOrAdd(organizationId, static _ => new OrganizationState());
            lock (state)
            {
                if (!state.Retired)
                {
                    state.LastUsedTicks = now;
                    state.Limits = limits;
                    return state;
                }
            }

            // Retired by the sweep between GetOrAdd and the lock: its entry is gone (or going); take a fresh one.
            _states.TryRemove(new KeyValuePair<string, OrganizationState>(organizationId, state));
        }
    }

    private void WarnUnknownTier(OrganizationState state, string organizationId, string tier, string used, long now)
    {
        lock (state)
        {
            if (now < state.NextUnknownTierWarningTicks)
            {
                return;
            }

            state.NextUnknownTierWarningTicks = now + UnknownTierWarningInterval.Ticks;
        }

        // The attribute's value is data, not configuration: logged quoted and truncated, never as a metric label.
        Log.UnknownTier(_logger, organizationId, Printable(tier), used);
    }

    /// <summary>At most 64 characters of the tier name, anything outside <c>[A-Za-z0-9._-]</c> as <c>?</c> (no line or field can be forged).</summary>
    private static string Printable(string value)
        => string.Create(Math.Min(64, value.Length), value, static (span, v) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                var c = v[i];
                span[i] = char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '?';
            }
        });

    /// <summary>Drops state idle for <see cref="IdleTimeout"/> whose buckets are full again and that holds no lease. Internal for tests.</summary>
    internal void Sweep()
    {
        var now = _time.GetUtcNow().UtcTicks;
        foreach (var (organizationId, state) in _states)
        {
            lock (state)
            {
                if (now - state.LastUsedTicks < IdleTimeout.Ticks || state.InFlight > 0 || !state.IsFull(now))
                {
                    continue;
                }

                state.Retired = true;
            }

            _states.TryRemove(new KeyValuePair<string, OrganizationState>(organizationId, state));
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _sweep.Dispose();
    }

    /// <summary>One organization's counters; every field is guarded by the object's lock except <see cref="InFlight"/> (interlocked).</summary>
    private sealed class OrganizationState
    {
        public readonly TokenBucket Bucket = new();
        public readonly TokenBucket FallbackBucket = new();
        public int InFlight;
        public long LastUsedTicks;
        public long NextUnknownTierWarningTicks;
        public bool Retired;

        public bool TryEnter(int max)
        {
            while (true)
            {
                var current = Volatile.Read(ref InFlight);
                if (current >= max)
                {
                    return false;
                }

                if (Interlocked.CompareExchange(ref InFlight, current + 1, current) == current)
                {
                    return true;
                }
            }
        }

        /// <summary>The tier limits of the last request (the sweep's measure of "full").</summary>
        public TierLimits? Limits;

        /// <summary>Whether both buckets would be full now under the limits of the last request.</summary>
        public bool IsFull(long now)
        {
            if (Limits?.Rate is not { } rate)
            {
                return true;
            }

            return Bucket.IsFull(now, rate, Limits.Burst) && FallbackBucket.IsFull(now, Limits.LocalRate!.Value, Limits.LocalBurst);
        }
    }

    /// <summary>Releases one in-flight slot, once.</summary>
    private sealed class ConcurrencyLease(OrganizationState state) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Decrement(ref state.InFlight);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = IsolationLogEvents.RateLimitUnknownTier, Level = LogLevel.Warning, Message = "Organization {OrganizationId} has tier {Tier}, which TenantIsolation:RateLimits:Tiers does not name; the {UsedTier} tier applies (at most one warning per organization per minute)")]
        public static partial void UnknownTier(ILogger logger, string organizationId, string tier, string usedTier);

        [LoggerMessage(EventId = IsolationLogEvents.RateLimitFleetFallback, Level = LogLevel.Warning, Message = "The fleet-wide rate limits in Redis cannot be reached in time; each organization is limited locally to its tier's limit / TenantIsolation:RateLimits:ExpectedInstances until Redis answers again")]
        public static partial void FleetFallback(ILogger logger);

        [LoggerMessage(EventId = IsolationLogEvents.RateLimitFleetRestored, Level = LogLevel.Information, Message = "Redis answers again; rate limits are fleet-wide again")]
        public static partial void FleetRestored(ILogger logger);
    }
}
