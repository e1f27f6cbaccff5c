using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;

namespace Gateway.Isolation.Caching;

/// <summary>
/// The one in-process timed cache of the engine (credentials, memberships, organization records): a size-bounded
/// <see cref="MemoryCache"/> (least recently used compacted first), each entry usable until an instant taken from
/// <see cref="TimeProvider"/> (never the wall clock of <see cref="MemoryCache"/> alone), concurrent misses collapsed into
/// one load (<see cref="SingleFlight{TKey, TValue}"/>), failures never cached. Optional pieces: a refresh instant per
/// entry (refresh-ahead: <see cref="TryGet"/> reports it, the owner claims it with <see cref="TryClaimRefresh"/>), and
/// eviction generations per partition (e.g. a user) and, optionally, per group (a second dimension, e.g. an
/// organization): an eviction advances its partition's (<see cref="Evict"/>) or its group's (<see cref="EvictGroup"/>)
/// generation, and a load begun under an older generation of either is neither joined by later callers, nor stored, nor
/// handed out (<see cref="GetOrLoadAsync"/> loads again), so once an eviction returned nobody is answered from before it.
/// An owner's L2 (the fleet's
/// Redis) writes go through <see cref="StoreAndWriteAsync"/>, which <see cref="WhenWritesDoneAsync"/> waits for.
/// </summary>
internal sealed class TimedCache<TKey, TValue> : IDisposable
    where TKey : notnull
{
    /// <summary>Eviction generations, one per stripe of partitions (a collision only costs another load).</summary>
    private const int GenerationStripes = 256;

    private readonly TimeProvider _time;
    private readonly int _sizeLimit;
    private readonly Func<TKey, string>? _partition;
    private readonly Func<TKey, string>? _group;
    private readonly MemoryCache _cache;
    private readonly SingleFlight<(TKey Key, long Generation), TValue> _flights = new();
    private readonly long[] _generations = new long[GenerationStripes];
    private readonly long[] _groupGenerations = new long[GenerationStripes];
    private readonly ConcurrentDictionary<long, Task> _writes = new();
    private long _writeIds;

    /// <param name="sizeLimit">Most entries held (least recently used compacted first).</param>
    /// <param name="time">The clock of every expiry.</param>
    /// <param name="partition">The eviction partition of a key (e.g. its user id); null: no generations (evictions only remove).</param>
    /// <param name="group">The eviction group of a key (e.g. its organization), evicted by <see cref="EvictGroup"/>; null: none.</param>
    public TimedCache(int sizeLimit, TimeProvider time, Func<TKey, string>? partition = null, Func<TKey, string>? group = null)
    {
        _time = time;
        _sizeLimit = sizeLimit;
        _partition = partition;
        _group = group;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = sizeLimit, CompactionPercentage = 0.1 });
    }

    public int Count => _cache.Count;

    /// <summary>The cached value of <paramref name="key"/> while it is usable; <paramref name="refreshDue"/> once its refresh instant passed.</summary>
    public bool TryGet(TKey key, out TValue value, out bool refreshDue)
    {
        if (_cache.TryGetValue(key, out Entry? entry) && entry is not null && Volatile.Read(ref entry.Revoked) == 0)
        {
            var now = _time.GetUtcNow();
            if (now < entry.UsableUntil)
            {
                value = entry.Value;
                refreshDue = now >= entry.RefreshFrom;
                return true;
            }
        }

        value = default!;
        refreshDue = false;
        return false;
    }

    /// <summary>
    /// Claims the refresh of <paramref name="key"/>'s entry for this caller (one claim per <paramref name="retryInterval"/>):
    /// false when another caller claimed it or the entry is gone.
    /// </summary>
    public bool TryClaimRefresh(TKey key, TimeSpan retryInterval)
    {
        if (!_cache.TryGetValue(key, out Entry? entry) || entry is null || Volatile.Read(ref entry.Revoked) != 0)
        {
            return false;
        }

        var now = _time.GetUtcNow();
        var notBefore = Volatile.Read(ref entry.NextRefreshTicks);
        return now.UtcTicks >= notBefore
            && Interlocked.CompareExchange(ref entry.NextRefreshTicks, (now + retryInterval).UtcTicks, notBefore) == notBefore;
    }

    /// <summary>The eviction generation of <paramref name="partition"/>'s stripe (moves with every eviction of it).</summary>
    public long Generation(string partition) => Volatile.Read(ref _generations[Stripe(partition)]);

    /// <summary>The eviction generation of <paramref name="group"/>'s stripe (moves with every <see cref="EvictGroup"/> of it).</summary>
    public long GroupGeneration(string group) => Volatile.Read(ref _groupGenerations[Stripe(group)]);

    /// <summary>
    /// A key's generation: its partition's plus its group's. Both only ever grow, so the sum moves whenever either does
    /// (a load compares it with the value read when it began).
    /// </summary>
    private long GenerationOf(TKey key)
        => (_partition is null ? 0 : Generation(_partition(key))) + (_group is null ? 0 : GroupGeneration(_group(key)));

    /// <summary>
    /// The in-flight load of <paramref name="key"/> under the current generation, starting <paramref name="load"/> (with
    /// that generation, to hand to <see cref="Store"/>) if there is none. A load an eviction overtook is not handed out: the
    /// caller loads again, at most <paramref name="maxAttempts"/> times, then <paramref name="overtaken"/>'s exception is thrown.
    /// </summary>
    public async Task<TValue> GetOrLoadAsync<TState>(
        TKey key, TState state, Func<TKey, long, TState, Task<TValue>> load, CancellationToken cancellationToken, int maxAttempts = 3, Func<Exception>? overtaken = null)
    {
        ArgumentNullException.ThrowIfNull(load);
        for (var attempt = 1; ; attempt++)
        {
            var generation = GenerationOf(key);
            var value = await Run((key, generation), state, load, out _).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (GenerationOf(key) == generation)
            {
                return value;
            }

            if (attempt >= maxAttempts)
            {
                throw overtaken?.Invoke() ?? new InvalidOperationException("The entry was evicted while it was being loaded.");
            }
        }
    }

    /// <summary>The in-flight load of <paramref name="key"/> (current generation), starting one if there is none.</summary>
    /// <param name="started">True when this call started the load.</param>
    public Task<TValue> Run<TState>(TKey key, TState state, Func<TKey, long, TState, Task<TValue>> load, out bool started)
        => Run((key, GenerationOf(key)), state, load, out started);

    private Task<TValue> Run<TState>((TKey Key, long Generation) flight, TState state, Func<TKey, long, TState, Task<TValue>> load, out bool started)
        => _flights.Run(flight, (state, load), static (f, s) => s.load(f.Key, f.Generation, s.state), out started);

    /// <summary>
    /// Caches <paramref name="value"/> (usable until <paramref name="usableUntil"/>, refresh due from
    /// <paramref name="refreshFrom"/>, dropped at <paramref name="removeAt"/>, default <paramref name="usableUntil"/>) unless
    /// it is already unusable or an eviction of its partition happened since <paramref name="generation"/> was read.
    /// </summary>
    public bool Store(TKey key, TValue value, DateTimeOffset usableUntil, long generation, DateTimeOffset? refreshFrom = null, DateTimeOffset? removeAt = null)
    {
        var now = _time.GetUtcNow();
        var lifetime = (removeAt ?? usableUntil) - now;
        if (usableUntil <= now || lifetime <= TimeSpan.Zero || GenerationOf(key) != generation)
        {
            return false;
        }

        var count = _cache.Count;
        if (count >= _sizeLimit)
        {
            // Make room synchronously (least recently used first); MemoryCache would otherwise refuse the entry.
            _cache.Compact(Math.Max(0.1, 1.5 / count));
        }

        _cache.Set(key, new Entry(value, usableUntil, refreshFrom ?? DateTimeOffset.MaxValue), new MemoryCacheEntryOptions
        {
            Size = 1,
            AbsoluteExpirationRelativeToNow = lifetime,
        });

        // An eviction between the check above and the Set may have swept the cache before the entry was in it.
        if (GenerationOf(key) != generation)
        {
            _cache.Remove(key);
            return false;
        }

        return true;
    }

    /// <summary>
    /// <see cref="Store"/>, then <paramref name="write"/> (the owner's L2 write) if it stored. The write is registered before
    /// the generation check, so an eviction either stops it or waits for it (<see cref="WhenWritesDoneAsync"/>).
    /// </summary>
    public async Task StoreAndWriteAsync<TState>(TKey key, TValue value, DateTimeOffset usableUntil, long generation, TState state, Func<TState, Task> write, DateTimeOffset? refreshFrom = null, DateTimeOffset? removeAt = null)
    {
        ArgumentNullException.ThrowIfNull(write);
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var id = Interlocked.Increment(ref _writeIds);
        _writes[id] = written.Task;

        // Full fence: the registration above must be visible before Store reads the generation. Otherwise (store→load
        // reordering) an eviction could advance the generation and snapshot the writes without seeing this one, while this
        // write still read the old generation and went ahead — landing in L2 after the eviction was confirmed.
        Interlocked.MemoryBarrier();
        try
        {
            if (Store(key, value, usableUntil, generation, refreshFrom, removeAt))
            {
                await write(state).ConfigureAwait(false);
            }
        }
        finally
        {
            _writes.TryRemove(id, out _);
            written.TrySetResult();
        }
    }

    /// <summary>Waits for the L2 writes under way now (<see cref="StoreAndWriteAsync"/>).</summary>
    public Task WhenWritesDoneAsync()
    {
        var pending = _writes.Values.ToArray();
        return pending.Length == 0 ? Task.CompletedTask : Task.WhenAll(pending);
    }

    /// <summary>L2 writes under way (test hook).</summary>
    internal int PendingWrites => _writes.Count;

    /// <summary>
    /// Advances the generation of <paramref name="partition"/> (every partition when null), then removes the entries
    /// <paramref name="match"/> selects; returns how many.
    /// </summary>
    public int Evict(string? partition, Func<TKey, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        if (_partition is not null)
        {
            if (partition is null)
            {
                for (var i = 0; i < GenerationStripes; i++)
                {
                    Interlocked.Increment(ref _generations[i]);
                }
            }
            else
            {
                Interlocked.Increment(ref _generations[Stripe(partition)]);
            }
        }

        return Remove(match);
    }

    /// <summary>
    /// Advances the generation of <paramref name="group"/> (a load of any key of the group begun before is then neither
    /// stored nor handed out), then removes the entries <paramref name="match"/> selects; returns how many.
    /// </summary>
    public int EvictGroup(string group, Func<TKey, bool> match)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(match);
        if (_group is null)
        {
            throw new InvalidOperationException("This cache has no eviction groups.");
        }

        Interlocked.Increment(ref _groupGenerations[Stripe(group)]);
        return Remove(match);
    }

    private int Remove(Func<TKey, bool> match)
    {
        var removed = 0;
        foreach (var item in _cache.Keys)
        {
            if (item is TKey key && match(key))
            {
                _cache.Remove(key);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>
    /// Makes the entry of <paramref name="key"/> unusable if <paramref name="match"/> selects its value — exactly that
    /// entry: a value stored meanwhile under the same key is another entry and stays (no read-then-remove race). The
    /// revoked entry is never handed out again and is replaced by the next <see cref="Store"/>. False when the key holds no
    /// entry, or one <paramref name="match"/> does not select.
    /// </summary>
    public bool Revoke(TKey key, Func<TValue, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        if (!_cache.TryGetValue(key, out Entry? entry) || entry is null || !match(entry.Value))
        {
            return false;
        }

        return Interlocked.Exchange(ref entry.Revoked, 1) == 0;
    }

    /// <summary>Test hook: drop everything.</summary>
    internal void Clear() => _cache.Compact(1.0);

    /// <summary>
    /// The stripe of a partition or group: FNV-1a over its UTF-16 code units — the same in every process (a collision only
    /// costs another load, and which names share a stripe is reproducible, unlike <c>string.GetHashCode</c>'s per-process seed).
    /// </summary>
    private static int Stripe(string partition)
    {
        var hash = 2166136261u;
        foreach (var c in partition)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % GenerationStripes);
    }

    public void Dispose() => _cache.Dispose();

    private sealed class Entry(TValue value, DateTimeOffset usableUntil, DateTimeOffset refreshFrom)
    {
        public readonly TValue Value = value;
        public readonly DateTimeOffset UsableUntil = usableUntil;
        public readonly DateTimeOffset RefreshFrom = refreshFrom;
        public long NextRefreshTicks;
        public int Revoked;
    }
}
