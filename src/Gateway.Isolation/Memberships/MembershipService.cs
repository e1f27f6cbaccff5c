using System.Collections.Concurrent;
using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Memberships;

/// <summary>
/// Cached membership checks: positive answers for <see cref="MembershipOptions.PositiveTtl"/>, negative ones for
/// <see cref="MembershipOptions.NegativeTtl"/> (both read from the current options when an answer is cached, so a
/// reloaded TTL applies to the next answer), store failures never cached; concurrent misses share one lookup. With a
/// <see cref="SharedCache"/> (fleet mode) a miss reads L2 before the table and a lookup is written to L2 with the same
/// expiry; <see cref="EvictAsync"/> (driven by the backplane) drops answers everywhere before their TTL ends. Each
/// eviction advances the user's generation: a lookup begun under an older generation is neither joined by later callers
/// nor cached nor handed out, so once an instance has confirmed an eviction it admits nobody on the old answer.
/// </summary>
internal sealed class MembershipService : IDisposable
{
    private readonly IMembershipStore _store;
    private readonly TimeProvider _time;
    private readonly IsolationMetrics _metrics;
    private readonly IOptionsMonitor<TenantIsolationOptions> _options;
    private readonly int _sizeLimit;
    private readonly MemoryCache _cache;
    /// <summary>Eviction generations, one per stripe of user ids (a collision only costs another lookup).</summary>
    private const int GenerationStripes = 256;

    /// <summary>Lookups one caller makes while evictions of its user keep overtaking them, before it gives up (503).</summary>
    private const int MaxLookupAttempts = 3;

    private readonly SingleFlight<FlightKey, Membership> _flights = new();
    private readonly SharedCache? _shared;
    private readonly long[] _generations = new long[GenerationStripes];
    private readonly ConcurrentDictionary<long, Task> _writes = new();
    private long _writeIds;

    public MembershipService(IMembershipStore store, IOptionsMonitor<TenantIsolationOptions> options, TimeProvider time, IsolationMetrics metrics, SharedCache? shared = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _time = time;
        _metrics = metrics;
        _options = options;
        _sizeLimit = options.CurrentValue.Membership.CacheSizeLimit;
        _shared = shared;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _sizeLimit, CompactionPercentage = 0.1 });
    }

    public int Count => _cache.Count;

    public ValueTask<Membership> GetAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken)
    {
        var key = new MembershipKey(userId, organizationId.Value);
        if (_cache.TryGetValue(key, out CachedMembership? cached) && cached is not null && _time.GetUtcNow() < cached.ExpiresAt)
        {
            _metrics.MembershipCacheHit();
            IsolationTelemetry.CacheResult("hit");
            return ValueTask.FromResult(cached.Membership);
        }

        _metrics.MembershipCacheMiss();
        IsolationTelemetry.CacheResult("miss");
        return new ValueTask<Membership>(LookupAsync(key, cancellationToken));
    }

    /// <summary>
    /// One lookup per (key, eviction generation): a caller that arrives after an eviction of the user never joins a lookup
    /// that began before it, and an answer whose lookup an eviction overtook is not handed out — the caller looks again.
    /// </summary>
    private async Task<Membership> LookupAsync(MembershipKey key, CancellationToken cancellationToken)
    {
        var stripe = Stripe(key.UserId);
        for (var attempt = 1; ; attempt++)
        {
            var generation = Volatile.Read(ref _generations[stripe]);
            var membership = await _flights.Run(new FlightKey(key, generation), this, static (k, self) => self.LoadAsync(k.Key, k.Generation), out _)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
            if (Volatile.Read(ref _generations[stripe]) == generation)
            {
                return membership;
            }

            if (attempt == MaxLookupAttempts)
            {
                // Evictions of this user keep overtaking the lookups: refuse (503) rather than admit on an answer that
                // may predate a revocation.
                throw new MembershipUnavailableException("The membership was evicted while it was being looked up; try again.");
            }
        }
    }

    private async Task<Membership> LoadAsync(MembershipKey key, long generation)
    {
        // A caller that missed the cache may reach the single-flight after another flight filled it: look again.
        if (_cache.TryGetValue(key, out CachedMembership? cached) && cached is not null && _time.GetUtcNow() < cached.ExpiresAt)
        {
            return cached.Membership;
        }

        var entryKey = _shared is null ? null : SharedCacheKeys.Membership(key.UserId, key.OrganizationId);
        if (entryKey is not null && await _shared!.GetAsync(entryKey, SharedCacheJsonContext.Default.MembershipEntry).ConfigureAwait(false) is { } shared
            && _time.GetUtcNow() < shared.ExpiresAt && Enum.IsDefined((MembershipStatus)shared.Status))
        {
            var fromFleet = new Membership((MembershipStatus)shared.Status, shared.Role);
            Store(key, fromFleet, shared.ExpiresAt, generation);
            return fromFleet;
        }

        var organizationId = OrganizationId.Parse(key.OrganizationId);
        var membership = await _store.LookupAsync(key.UserId, organizationId, CancellationToken.None).ConfigureAwait(false);
        var current = _options.CurrentValue.Membership;
        var ttl = membership.IsMember ? current.PositiveTtl : current.NegativeTtl;
        if (ttl > TimeSpan.Zero)
        {
            var expiresAt = _time.GetUtcNow() + ttl;
            if (entryKey is null)
            {
                Store(key, membership, expiresAt, generation);
            }
            else
            {
                await StoreInFleetAsync(key, entryKey, membership, expiresAt, generation).ConfigureAwait(false);
            }
        }

        return membership;
    }

    /// <summary>
    /// Caches a looked-up answer in L1 and L2 unless an eviction of the user overtook the lookup. The L2 write is
    /// registered before that check, so an eviction either stops it or waits for it (<see cref="EvictAsync"/>) before the
    /// instance confirms — <c>evict</c>'s second removal then finds it in Redis.
    /// </summary>
    private async Task StoreInFleetAsync(MembershipKey key, string entryKey, Membership membership, DateTimeOffset expiresAt, long generation)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var id = Interlocked.Increment(ref _writeIds);
        _writes[id] = written.Task;

        // Full fence: the registration above must be visible before Store reads the generation. Otherwise (store→load
        // reordering) an eviction could advance the generation and snapshot _writes without seeing this write, while this
        // write still read the old generation and went ahead — landing in L2 after the instance confirmed.
        Interlocked.MemoryBarrier();
        try
        {
            if (Store(key, membership, expiresAt, generation))
            {
                await _shared!.SetAsync(entryKey, new MembershipEntry((int)membership.Status, membership.Role, expiresAt), SharedCacheJsonContext.Default.MembershipEntry, expiresAt).ConfigureAwait(false);
            }
        }
        finally
        {
            _writes.TryRemove(id, out _);
            written.TrySetResult();
        }
    }

    /// <summary>Caches an answer unless an eviction of the user happened since its lookup started (it may predate the revocation).</summary>
    private bool Store(MembershipKey key, Membership membership, DateTimeOffset expiresAt, long generation)
    {
        var ttl = expiresAt - _time.GetUtcNow();
        var stripe = Stripe(key.UserId);
        if (ttl <= TimeSpan.Zero || Volatile.Read(ref _generations[stripe]) != generation)
        {
            return false;
        }

        if (_cache.Count >= _sizeLimit)
        {
            _cache.Compact(0.1);
        }

        _cache.Set(key, new CachedMembership(membership, expiresAt), new MemoryCacheEntryOptions
        {
            Size = 1,
            AbsoluteExpirationRelativeToNow = ttl,
        });

        // An eviction between the check above and the Set may have swept the cache before the entry was in it.
        if (Volatile.Read(ref _generations[stripe]) != generation)
        {
            _cache.Remove(key);
            return false;
        }

        return true;
    }

    /// <summary>Drops this instance's cached answers for <paramref name="userId"/> (in <paramref name="organizationId"/> when given).</summary>
    public int Evict(string userId, string? organizationId)
    {
        Interlocked.Increment(ref _generations[Stripe(userId)]);
        var removed = 0;
        foreach (var item in _cache.Keys)
        {
            if (item is MembershipKey key && string.Equals(key.UserId, userId, StringComparison.Ordinal)
                && (organizationId is null || string.Equals(key.OrganizationId, organizationId, StringComparison.Ordinal)))
            {
                _cache.Remove(key);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>
    /// <see cref="Evict"/>, then waits for the L2 writes that were under way when it happened (each bounded by
    /// <c>SharedCache:OperationTimeout</c>), so that once this instance confirms an eviction none of its answers looked up
    /// before it can still land in Redis after <c>evict</c>'s final removal.
    /// </summary>
    public async Task<int> EvictAsync(string userId, string? organizationId)
    {
        var removed = Evict(userId, organizationId);
        var pending = _writes.Values.ToArray();
        if (pending.Length > 0)
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }

        return removed;
    }

    /// <summary>
    /// The eviction generation of <paramref name="userId"/>'s stripe: a caller that reads it before a membership check and
    /// finds it moved afterwards knows an eviction of the user (or of one sharing its stripe) may have overtaken the check.
    /// </summary>
    public long Generation(string userId) => Volatile.Read(ref _generations[Stripe(userId)]);

    /// <summary>L2 writes under way (test hook).</summary>
    internal int PendingWrites => _writes.Count;

    private static int Stripe(string userId) => (StringComparer.Ordinal.GetHashCode(userId) & int.MaxValue) % GenerationStripes;

    public void Dispose() => _cache.Dispose();

    private readonly record struct MembershipKey(string UserId, string OrganizationId);

    private readonly record struct FlightKey(MembershipKey Key, long Generation);

    private sealed record CachedMembership(Membership Membership, DateTimeOffset ExpiresAt);
}
