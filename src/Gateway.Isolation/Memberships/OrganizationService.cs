using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Memberships;

/// <summary>
/// The organization's record (<see cref="OrganizationRecord"/>: status, data location), read once and cached for
/// <see cref="MembershipOptions.StatusTtl"/> (read from the current options when a record is cached, so a reloaded TTL
/// applies to the next record) — the one TTL of everything the organizations table says, so a suspension, a MIGRATING set
/// by <c>cutover</c> or a new data location is seen within it. Concurrent misses share one read; read failures are never
/// cached and surface as <see cref="MembershipUnavailableException"/> (the caller fails closed). An eviction
/// (<see cref="Evict"/>, driven by the backplane) drops the record and wins over a read in flight: that read is neither
/// cached nor handed out.
/// </summary>
internal sealed class OrganizationService : IUserEviction, IDisposable
{
    private readonly IOrganizationStore _store;
    private readonly TimeProvider _time;
    private readonly IOptionsMonitor<TenantIsolationOptions> _options;
    private readonly TimedCache<string, OrganizationRecord> _cache;
    private readonly IsolationMetrics? _metrics;

    /// <param name="metrics">Where each read of the table is timed (<c>gateway.tenant.stage.duration{stage="organization_read"}</c>); null: not timed.</param>
    public OrganizationService(IOrganizationStore store, IOptionsMonitor<TenantIsolationOptions> options, TimeProvider time, IsolationMetrics? metrics = null)
    {
        _metrics = metrics;
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _time = time;
        _options = options;
        _cache = new TimedCache<string, OrganizationRecord>(options.CurrentValue.Membership.CacheSizeLimit, time, static organizationId => organizationId);
    }

    /// <exception cref="MembershipUnavailableException">The organizations table could not be read.</exception>
    public ValueTask<OrganizationRecord> GetAsync(OrganizationId organizationId, CancellationToken cancellationToken)
    {
        var key = organizationId.Value;
        if (_cache.TryGet(key, out var record, out _))
        {
            return ValueTask.FromResult(record);
        }

        return new ValueTask<OrganizationRecord>(_cache.GetOrLoadAsync(key, this, static (k, generation, self) => self.LoadAsync(k, generation), cancellationToken, overtaken: Overtaken));
    }

    private async Task<OrganizationRecord> LoadAsync(string organizationId, long generation)
    {
        // A caller that missed the cache may reach the single flight after another read filled it: look again.
        if (_cache.TryGet(organizationId, out var cached, out _))
        {
            return cached;
        }

        var started = _time.GetTimestamp();
        OrganizationRecord record;
        try
        {
            record = await _store.ReadAsync(OrganizationId.Parse(organizationId), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _metrics?.OrganizationRead(_time.GetElapsedTime(started));
        }

        _cache.Store(organizationId, record, _time.GetUtcNow() + _options.CurrentValue.Membership.StatusTtl, generation);
        return record;
    }

    /// <summary>Drops the record of <paramref name="organizationId"/> (every record when null); a read in flight is not cached.</summary>
    public int Evict(string? organizationId)
        => _cache.Evict(organizationId, key => organizationId is null || string.Equals(key, organizationId, StringComparison.Ordinal));

    /// <summary>An eviction of a user, or of a whole organization, drops the record of the organization it names (every record when none).</summary>
    ValueTask<int> IUserEviction.EvictAsync(string? userId, string? organizationId) => ValueTask.FromResult(Evict(organizationId));

    private static Exception Overtaken() => new MembershipUnavailableException("The organization was evicted while it was being read; try again.");

    public void Dispose() => _cache.Dispose();
}
