using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Memberships;

/// <summary>
/// Cached membership checks: positive answers for <see cref="MembershipOptions.PositiveTtl"/>, negative ones for
/// <see cref="MembershipOptions.NegativeTtl"/> (both read from the current options when an answer is cached, so a
/// reloaded TTL applies to the next answer), store failures never cached; concurrent misses share one lookup. With a
/// <see cref="SharedCache"/> (fleet mode) a miss reads L2 before the table and a lookup is written to L2 with the same
/// expiry; <see cref="EvictAsync"/> (driven by the backplane) drops answers everywhere before their TTL ends. Each
/// eviction advances the user's generation — an organization-wide one the organization's (the cache's group,
/// <see cref="TimedCache{TKey, TValue}"/>): a lookup begun under an older generation is neither joined by later callers
/// nor cached nor handed out, so once an instance has confirmed an eviction it admits nobody on the old answer.
/// </summary>
internal sealed class MembershipService : IUserEviction, IDisposable
{
    /// <summary>Lookups one caller makes while evictions of its user keep overtaking them, before it gives up (503).</summary>
    private const int MaxLookupAttempts = 3;

    private readonly IMembershipStore _store;
    private readonly TimeProvider _time;
    private readonly IsolationMetrics _metrics;
    private readonly IOptionsMonitor<TenantIsolationOptions> _options;
    private readonly TimedCache<MembershipKey, Membership> _cache;
    private readonly SharedCache? _shared;

    public MembershipService(IMembershipStore store, IOptionsMonitor<TenantIsolationOptions> options, TimeProvider time, IsolationMetrics metrics, SharedCache? shared = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _time = time;
        _metrics = metrics;
        _options = options;
        _shared = shared;
        _cache = new TimedCache<MembershipKey, Membership>(options.CurrentValue.Membership.CacheSizeLimit, time, static key => key.UserId, static key => key.OrganizationId);
    }

    public int Count => _cache.Count;

    public ValueTask<Membership> GetAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken)
    {
        var key = new MembershipKey(userId, organizationId.Value);
        if (_cache.TryGet(key, out var cached, out _))
        {
            _metrics.MembershipCacheHit();
            IsolationTelemetry.CacheResult("hit");
            return ValueTask.FromResult(cached);
        }

        _metrics.MembershipCacheMiss();
        IsolationTelemetry.CacheResult("miss");
        return new ValueTask<Membership>(_cache.GetOrLoadAsync(key, this, static (k, generation, self) => self.LoadAsync(k, generation), cancellationToken, MaxLookupAttempts, Overtaken));
    }

    // Evictions of this user keep overtaking the lookups: refuse (503) rather than admit on an answer that may predate a revocation.
    private static Exception Overtaken() => new MembershipUnavailableException("The membership was evicted while it was being looked up; try again.");

    private async Task<Membership> LoadAsync(MembershipKey key, long generation)
    {
        // A caller that missed the cache may reach the single flight after another flight filled it: look again.
        if (_cache.TryGet(key, out var cached, out _))
        {
            return cached;
        }

        var entryKey = _shared is null ? null : SharedCacheKeys.Membership(key.UserId, key.OrganizationId);
        if (entryKey is not null && await _shared!.GetAsync(entryKey, SharedCacheJsonContext.Default.MembershipEntry).ConfigureAwait(false) is { } shared
            && _time.GetUtcNow() < shared.ExpiresAt && Enum.IsDefined((MembershipStatus)shared.Status))
        {
            var fromFleet = new Membership((MembershipStatus)shared.Status, shared.Role);
            _cache.Store(key, fromFleet, shared.ExpiresAt, generation);
            return fromFleet;
        }

        var organizationId = OrganizationId.Parse(key.OrganizationId);
        var started = _time.GetTimestamp();
        Membership membership;
        try
        {
            membership = await _store.LookupAsync(key.UserId, organizationId, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _metrics.MembershipRead(_time.GetElapsedTime(started));
        }

        var current = _options.CurrentValue.Membership;
        var ttl = membership.IsMember ? current.PositiveTtl : current.NegativeTtl;
        if (ttl > TimeSpan.Zero)
        {
            var expiresAt = _time.GetUtcNow() + ttl;
            if (entryKey is null)
            {
                _cache.Store(key, membership, expiresAt, generation);
            }
            else
            {
                // The L2 write is registered before the generation check, so an eviction either stops it or waits for it
                // (EvictAsync) before the instance confirms — evict's second removal then finds it in Redis.
                await _cache.StoreAndWriteAsync(key, membership, expiresAt, generation, (this, entryKey, membership, expiresAt), static async s =>
                    await s.Item1._shared!.SetAsync(s.entryKey, new MembershipEntry((int)s.membership.Status, s.membership.Role, s.expiresAt), SharedCacheJsonContext.Default.MembershipEntry, s.expiresAt).ConfigureAwait(false))
                    .ConfigureAwait(false);
            }
        }

        return membership;
    }

    /// <summary>
    /// Drops this instance's cached answers for <paramref name="userId"/> (in <paramref name="organizationId"/> when
    /// given); with no user, every user's answers in <paramref name="organizationId"/> (an organization-wide eviction).
    /// </summary>
    public int Evict(string? userId, string? organizationId)
    {
        if (userId is null)
        {
            ArgumentNullException.ThrowIfNull(organizationId);
            return _cache.EvictGroup(organizationId, key => string.Equals(key.OrganizationId, organizationId, StringComparison.Ordinal));
        }

        return _cache.Evict(userId, key => string.Equals(key.UserId, userId, StringComparison.Ordinal)
            && (organizationId is null || string.Equals(key.OrganizationId, organizationId, StringComparison.Ordinal)));
    }

    /// <summary>
    /// <see cref="Evict"/>, then waits for the L2 writes that were under way when it happened (each bounded by
    /// <c>SharedCache:OperationTimeout</c>), so that once this instance confirms an eviction none of its answers looked up
    /// before it can still land in Redis after <c>evict</c>'s final removal.
    /// </summary>
    public async Task<int> EvictAsync(string? userId, string? organizationId)
    {
        var removed = Evict(userId, organizationId);
        await _cache.WhenWritesDoneAsync().ConfigureAwait(false);
        return removed;
    }

    ValueTask<int> IUserEviction.EvictAsync(string? userId, string? organizationId) => new(EvictAsync(userId, organizationId));

    /// <summary>
    /// The eviction generation of <paramref name="userId"/>'s stripe plus <paramref name="organizationId"/>'s: a caller
    /// that reads it before a membership check and finds it moved afterwards knows an eviction of the user, or of the whole
    /// organization (or of one sharing a stripe), may have overtaken the check.
    /// </summary>
    public long Generation(string userId, string organizationId) => _cache.Generation(userId) + _cache.GroupGeneration(organizationId);

    /// <summary>L2 writes under way (test hook).</summary>
    internal int PendingWrites => _cache.PendingWrites;

    public void Dispose() => _cache.Dispose();

    private readonly record struct MembershipKey(string UserId, string OrganizationId);
}
