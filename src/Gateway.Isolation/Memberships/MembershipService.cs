using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Memberships;

/// <summary>
/// Cached membership checks: positive answers for <see cref="MembershipOptions.PositiveTtl"/>, negative ones for
/// <see cref="MembershipOptions.NegativeTtl"/>, store failures never cached; concurrent misses share one lookup. With a
/// <see cref="SharedCache"/> (fleet mode) a miss reads L2 before the table and a lookup is written to L2 with the same
/// expiry; <see cref="Evict"/> (driven by the backplane) drops answers everywhere before their TTL ends.
/// </summary>
internal sealed class MembershipService : IDisposable
{
    private readonly IMembershipStore _store;
    private readonly TimeProvider _time;
    private readonly IsolationMetrics _metrics;
    private readonly MembershipOptions _options;
    private readonly MemoryCache _cache;
    private readonly SingleFlight<MembershipKey, Membership> _flights = new();
    private readonly SharedCache? _shared;
    private int _evictions;

    public MembershipService(IMembershipStore store, IOptions<TenantIsolationOptions> options, TimeProvider time, IsolationMetrics metrics, SharedCache? shared = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _time = time;
        _metrics = metrics;
        _options = options.Value.Membership;
        _shared = shared;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _options.CacheSizeLimit, CompactionPercentage = 0.1 });
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
        return new ValueTask<Membership>(_flights.Run(key, this, static (k, self) => self.LoadAsync(k), out _).WaitAsync(cancellationToken));
    }

    private async Task<Membership> LoadAsync(MembershipKey key)
    {
        // A caller that missed the cache may reach the single-flight after another flight filled it: look again.
        if (_cache.TryGetValue(key, out CachedMembership? cached) && cached is not null && _time.GetUtcNow() < cached.ExpiresAt)
        {
            return cached.Membership;
        }

        var evictions = Volatile.Read(ref _evictions);
        var entryKey = _shared is null ? null : SharedCacheKeys.Membership(key.UserId, key.OrganizationId);
        if (entryKey is not null && await _shared!.GetAsync(entryKey, SharedCacheJsonContext.Default.MembershipEntry).ConfigureAwait(false) is { } shared
            && _time.GetUtcNow() < shared.ExpiresAt && Enum.IsDefined((MembershipStatus)shared.Status))
        {
            var fromFleet = new Membership((MembershipStatus)shared.Status, shared.Role);
            Store(key, fromFleet, shared.ExpiresAt, evictions);
            return fromFleet;
        }

        var organizationId = OrganizationId.Parse(key.OrganizationId);
        var membership = await _store.LookupAsync(key.UserId, organizationId, CancellationToken.None).ConfigureAwait(false);
        var ttl = membership.IsMember ? _options.PositiveTtl : _options.NegativeTtl;
        if (ttl > TimeSpan.Zero)
        {
            var expiresAt = _time.GetUtcNow() + ttl;
            if (Store(key, membership, expiresAt, evictions) && entryKey is not null)
            {
                await _shared!.SetAsync(entryKey, new MembershipEntry((int)membership.Status, membership.Role, expiresAt), SharedCacheJsonContext.Default.MembershipEntry, expiresAt).ConfigureAwait(false);
            }
        }

        return membership;
    }

    /// <summary>Caches an answer unless an eviction happened since its lookup started (it may predate the revocation).</summary>
    private bool Store(MembershipKey key, Membership membership, DateTimeOffset expiresAt, int evictionsAtStart)
    {
        var ttl = expiresAt - _time.GetUtcNow();
        if (ttl <= TimeSpan.Zero || Volatile.Read(ref _evictions) != evictionsAtStart)
        {
            return false;
        }

        if (_cache.Count >= _options.CacheSizeLimit)
        {
            _cache.Compact(0.1);
        }

        _cache.Set(key, new CachedMembership(membership, expiresAt), new MemoryCacheEntryOptions
        {
            Size = 1,
            AbsoluteExpirationRelativeToNow = ttl,
        });
        return true;
    }

    /// <summary>Drops this instance's cached answers for <paramref name="userId"/> (in <paramref name="organizationId"/> when given).</summary>
    public int Evict(string userId, string? organizationId)
    {
        Interlocked.Increment(ref _evictions);
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

    public void Dispose() => _cache.Dispose();

    private readonly record struct MembershipKey(string UserId, string OrganizationId);

    private sealed record CachedMembership(Membership Membership, DateTimeOffset ExpiresAt);
}
