using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Memberships;

/// <summary>
/// Cached membership checks: positive answers for <see cref="MembershipOptions.PositiveTtl"/>, negative ones for
/// <see cref="MembershipOptions.NegativeTtl"/>, store failures never cached; concurrent misses share one lookup.
/// </summary>
internal sealed class MembershipService : IDisposable
{
    private readonly IMembershipStore _store;
    private readonly TimeProvider _time;
    private readonly IsolationMetrics _metrics;
    private readonly MembershipOptions _options;
    private readonly MemoryCache _cache;
    private readonly SingleFlight<MembershipKey, Membership> _flights = new();

    public MembershipService(IMembershipStore store, IOptions<TenantIsolationOptions> options, TimeProvider time, IsolationMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _time = time;
        _metrics = metrics;
        _options = options.Value.Membership;
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

        var organizationId = OrganizationId.Parse(key.OrganizationId);
        var membership = await _store.LookupAsync(key.UserId, organizationId, CancellationToken.None).ConfigureAwait(false);
        var ttl = membership.IsMember ? _options.PositiveTtl : _options.NegativeTtl;
        if (ttl > TimeSpan.Zero)
        {
            if (_cache.Count >= _options.CacheSizeLimit)
            {
                _cache.Compact(0.1);
            }

            _cache.Set(key, new CachedMembership(membership, _time.GetUtcNow() + ttl), new MemoryCacheEntryOptions
            {
                Size = 1,
                AbsoluteExpirationRelativeToNow = ttl,
            });
        }

        return membership;
    }

    public void Dispose() => _cache.Dispose();

    private readonly record struct MembershipKey(string UserId, string OrganizationId);

    private sealed record CachedMembership(Membership Membership, DateTimeOffset ExpiresAt);
}
