using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;

namespace Gateway.Isolation.Caching;

/// <summary>
/// The fleet-wide second level (L2) under the in-process caches: typed reads and writes of sealed entries and the
/// fleet lock, each bounded by <see cref="SharedCacheOptions.OperationTimeout"/> and circuit-broken for
/// <see cref="SharedCacheOptions.BreakDuration"/> after an error. Nothing here throws to a caller: an L2 problem reads as
/// a miss (counted in <c>gateway.cache.l2.errors</c>), a lost write is only a lost optimisation, and an unavailable lock
/// means per-instance single flight.
/// </summary>
internal sealed partial class SharedCache
{
    /// <summary>How often an instance waiting for another instance's AssumeRole looks into L2.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    private readonly IDistributedCache _l2;
    private readonly IFleetLock _lock;
    private readonly IFleetAnnouncer? _announcer;
    private readonly TimeProvider _time;
    private readonly IsolationMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _break;
    private long _openUntilTicks;

    /// <param name="announcer">The backplane's publishing side (rejected credential sets); null: nothing is announced.</param>
    public SharedCache(IDistributedCache l2, IFleetLock fleetLock, SharedCacheOptions options, TimeProvider time, IsolationMetrics metrics, ILogger<SharedCache> logger, IFleetAnnouncer? announcer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _l2 = l2;
        _lock = fleetLock;
        _announcer = announcer;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _timeout = options.OperationTimeout;
        _break = options.BreakDuration;
        LockWait = options.LockWait;
        LockLease = options.LockLease;
    }

    public TimeSpan LockWait { get; }

    public TimeSpan LockLease { get; }

    /// <summary>True while L2 is skipped after an error.</summary>
    public bool IsBroken => _time.GetUtcNow().UtcTicks < Volatile.Read(ref _openUntilTicks);

    /// <summary>The entry, or null on a miss, an unreadable entry or any L2 problem.</summary>
    public async ValueTask<T?> GetAsync<T>(string key, JsonTypeInfo<T> type)
        where T : class
    {
        var (ok, bytes) = await TryAsync(static (s, ct) => s._l2.GetAsync(s.key, ct), (_l2, key), "read").ConfigureAwait(false);
        if (!ok)
        {
            return null;
        }

        T? value = null;
        if (bytes is not null)
        {
            try
            {
                value = JsonSerializer.Deserialize(bytes, type);
            }
            catch (JsonException)
            {
                Log.Undecodable(_logger, key);
            }
        }

        if (value is null)
        {
            _metrics.SharedCacheMiss();
            return null;
        }

        _metrics.SharedCacheHit();
        return value;
    }

    /// <summary>Stores <paramref name="value"/> until <paramref name="expiresAt"/>; false when L2 did not take it.</summary>
    public async ValueTask<bool> SetAsync<T>(string key, T value, JsonTypeInfo<T> type, DateTimeOffset expiresAt)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        var options = new DistributedCacheEntryOptions { AbsoluteExpiration = expiresAt };
        var (ok, _) = await TryAsync(
            static async (s, ct) =>
            {
                await s._l2.SetAsync(s.key, s.bytes, s.options, ct).ConfigureAwait(false);
                return true;
            },
            (_l2, key, bytes, options),
            "write").ConfigureAwait(false);
        return ok;
    }

    /// <summary>Removes <paramref name="key"/>; false when L2 did not answer.</summary>
    public async ValueTask<bool> RemoveAsync(string key)
    {
        var (ok, _) = await TryAsync(
            static async (s, ct) =>
            {
                await s._l2.RemoveAsync(s.key, ct).ConfigureAwait(false);
                return true;
            },
            (_l2, key),
            "remove").ConfigureAwait(false);
        return ok;
    }

    /// <summary>Tells every instance (the backplane) that a credential set was rejected; false when Redis did not take it.</summary>
    public async ValueTask<bool> AnnounceAsync(CredentialsRejectedMessage message)
    {
        if (_announcer is null)
        {
            return false;
        }

        var (ok, _) = await TryAsync(
            static async (s, ct) =>
            {
                await s._announcer.AnnounceAsync(s.message, ct).ConfigureAwait(false);
                return true;
            },
            (_announcer, message),
            "announce").ConfigureAwait(false);
        return ok;
    }

    /// <summary>Tries the fleet lock for <paramref name="entryKey"/>; the token releases it.</summary>
    public async ValueTask<(FleetLockState State, string Token)> TryLockAsync(string entryKey)
    {
        var token = Guid.NewGuid().ToString("N");
        var (ok, taken) = await TryAsync(
            static (s, ct) => s._lock.TryTakeAsync(SharedCacheKeys.Lock(s.entryKey), s.token, s.lease, ct),
            (_lock, entryKey, token, lease: LockLease),
            "lock").ConfigureAwait(false);
        return (!ok ? FleetLockState.Unavailable : taken ? FleetLockState.Acquired : FleetLockState.Held, token);
    }

    public async ValueTask ReleaseAsync(string entryKey, string token)
        => await TryAsync(
            static async (s, ct) =>
            {
                await s._lock.ReleaseAsync(SharedCacheKeys.Lock(s.entryKey), s.token, ct).ConfigureAwait(false);
                return true;
            },
            (_lock, entryKey, token),
            "unlock").ConfigureAwait(false);

    private async ValueTask<(bool Ok, TResult? Result)> TryAsync<TState, TResult>(Func<TState, CancellationToken, Task<TResult>> operation, TState state, string what)
    {
        if (IsBroken)
        {
            return (false, default);
        }

        using var cts = new CancellationTokenSource();
        try
        {
            var result = await operation(state, cts.Token).WaitAsync(_timeout, _time).ConfigureAwait(false);
            return (true, result);
        }
#pragma warning disable CA1031 // an L2 failure of any kind degrades to L1 + STS; it never reaches the request
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await cts.CancelAsync().ConfigureAwait(false);
            _metrics.SharedCacheError();
            var openUntil = (_time.GetUtcNow() + _break).UtcTicks;
            var previous = Interlocked.Exchange(ref _openUntilTicks, openUntil);
            if (previous < _time.GetUtcNow().UtcTicks)
            {
                Log.Broken(_logger, what, ex.GetType().Name, _break);
            }

            return (false, default);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Shared cache {Operation} failed ({ExceptionType}); serving from the local cache and STS for {BreakDuration}")]
        public static partial void Broken(ILogger logger, string operation, string exceptionType, TimeSpan breakDuration);

        [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Shared cache entry {CacheKey} could not be decoded; treated as a miss")]
        public static partial void Undecodable(ILogger logger, string cacheKey);
    }
}
