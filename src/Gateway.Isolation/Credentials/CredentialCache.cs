using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// Credential cache (docs/gateway.md, "Credential cache") on the engine's <see cref="TimedCache{TKey, TValue}"/>: size-bounded
/// (least recently used evicted), single-flight per key, refresh-ahead (serve current credentials, one background refresh) and an expiry buffer (past it callers
/// wait for fresh ones). Failures are never cached; credentials that arrive inside the buffer are rejected; time comes
/// from <see cref="TimeProvider"/>. With a <see cref="SharedCache"/> (fleet mode) a miss looks into L2 first, then one
/// instance of the fleet calls STS under the fleet lock while the others wait for its result in L2; every problem with
/// L2 or the lock falls back to this instance's own single flight. A set the data store rejected (reported by a backend,
/// <see cref="RejectedAsync"/>, or by another instance, <see cref="OnCredentialsRejected"/>) is dropped from L1, L2 and the
/// fleet — that set only, never a newer one under the same key — at most once per <c>Cache:RejectionCooldown</c> per key.
/// Evictions (<see cref="Evict"/>, the backplane's <c>evict</c>: a user's sets, or every set of an organization) advance
/// the generation of the organization (the cache's partition) or of the user (its group): a load begun before is neither
/// joined, nor stored in L1 or L2, nor handed out — its callers load again — so once an instance confirmed an eviction no
/// credential set obtained before it is served there.
/// Revocations (<see cref="RevocationCutoffs"/>, read from the tenant role's <c>tenant-revocations</c> by
/// <see cref="Revocations.RevocationWatcher"/>): a cached set — L1 or L2 — the gateway requested before a revocation's cut-off (plus the
/// clock skew) for its scope is refused and re-minted; a newly observed cut-off overtakes the loads under way for its
/// organization (<see cref="OvertakeLoads"/>, the eviction generations), and a load for a scope revoked less than the clock
/// skew ago waits until then, so the set it hands out was issued after the cut-off.
/// </summary>
internal sealed partial class CredentialCache : IUserEviction, ICredentialRejectionListener, IDisposable
{
    private readonly ICredentialIssuer _issuer;
    private readonly TimeProvider _time;
    private readonly IsolationMetrics _metrics;
    private readonly ILogger<CredentialCache> _logger;
    private readonly TimedCache<CredentialKey, ScopedCredentials> _cache;
    private readonly TimeSpan _refreshAhead;
    private readonly TimeSpan _expiryBuffer;
    private readonly TimeSpan _refreshRetryInterval;
    private readonly TimeSpan _retryAfter;
    private readonly SharedCache? _shared;
    private readonly TimeSpan _rejectionCooldown;
    private readonly StsAdmission? _admission;
    private readonly RevocationCutoffs? _revocations;

    /// <summary>Loads one caller makes while evictions keep overtaking them, before it gives up (503 credentials_unavailable).</summary>
    private const int MaxLoadAttempts = 3;

    /// <summary>The eviction group of organization-wide credentials (user ids are never empty).</summary>
    private const string OrganizationWide = "";

    /// <summary>
    /// The last rejected set per key (its access key id and when it was dropped): the cooldown, and a set that must not come
    /// back into L1 from L2 or from a load begun before the drop. Kept until the cooldown ended and the set expired.
    /// </summary>
    private readonly TimedCache<CredentialKey, Rejection> _rejections;
    private readonly Lock _rejectionLock = new();
    private long _lastRejectionTicks;

    public CredentialCache(ICredentialIssuer issuer, IOptions<TenantIsolationOptions> options, TimeProvider time, IsolationMetrics metrics, ILogger<CredentialCache> logger, SharedCache? shared = null, StsAdmission? admission = null, RevocationCutoffs? revocations = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _issuer = issuer;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _refreshAhead = o.RefreshAhead;
        _expiryBuffer = o.ExpiryBuffer;
        _refreshRetryInterval = o.Cache.RefreshRetryInterval;
        _retryAfter = o.Sts.RetryAfter;
        _shared = shared;
        _admission = admission;
        _revocations = revocations;
        _rejectionCooldown = o.Cache.RejectionCooldown;
        _cache = new TimedCache<CredentialKey, ScopedCredentials>(o.Cache.SizeLimit, time, static key => key.OrganizationId.Value, static key => key.UserId ?? OrganizationWide);
        _rejections = new TimedCache<CredentialKey, Rejection>(o.Cache.SizeLimit, time);
    }

    /// <summary>How long a rejected key stays in cooldown (and <c>/readyz</c> Degraded after a drop).</summary>
    public TimeSpan RejectionCooldown => _rejectionCooldown;

    /// <summary>When this instance last dropped a rejected set (its own backend's report or another instance's); null: never.</summary>
    public DateTimeOffset? LastRejection
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastRejectionTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    public int Count => _cache.Count;

    /// <summary>Valid credentials for <paramref name="key"/>, or <see cref="CredentialResult.Unavailable"/> (never throws for STS failures).</summary>
    public ValueTask<CredentialResult> GetAsync(CredentialKey key, PermissionSet permissionSet, CancellationToken cancellationToken)
    {
        if (TryGetUsable(key, out var cached, out var refreshDue))
        {
            if (refreshDue)
            {
                RefreshAhead(key, permissionSet);
            }

            _metrics.CredentialCacheHit();
            IsolationTelemetry.CacheResult(refreshDue ? "refresh" : "hit");
            return new ValueTask<CredentialResult>(new CredentialResult(cached, TimeSpan.Zero));
        }

        _metrics.CredentialCacheMiss();
        IsolationTelemetry.CacheResult("miss");
        return WaitForFreshAsync(key, permissionSet, cancellationToken);
    }

    /// <summary>The miss path (internal for tests: a caller that checked the cache before another flight filled it).</summary>
    internal async ValueTask<CredentialResult> WaitForFreshAsync(CredentialKey key, PermissionSet permissionSet, CancellationToken cancellationToken)
    {
        try
        {
            // A load an eviction overtook is not handed out: GetOrLoadAsync loads again (at most MaxLoadAttempts times).
            var credentials = await _cache.GetOrLoadAsync(key, (this, permissionSet), static (k, generation, s) => s.Item1.LoadUnlessFreshAsync(k, generation, s.permissionSet), cancellationToken, MaxLoadAttempts, Overtaken).ConfigureAwait(false);
            return new CredentialResult(credentials, TimeSpan.Zero);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // every STS failure becomes a fail-closed 503; the cause is logged, never forwarded
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.CredentialsUnavailable(_logger, key.OrganizationId.Value, key.PermissionSet, ex.GetType().Name, ex.Message);
            return CredentialResult.Unavailable(RetryAfterFor(ex));
        }
    }

    /// <summary>
    /// The L1 entry of <paramref name="key"/> unless a revocation covers it (requested before the cut-off plus the clock
    /// skew): that entry is made unusable (exactly that set; a newer one stored meanwhile stays) and the lookup is a miss.
    /// </summary>
    private bool TryGetUsable(CredentialKey key, out ScopedCredentials cached, out bool refreshDue)
    {
        if (!_cache.TryGet(key, out cached, out refreshDue))
        {
            return false;
        }

        if (_revocations is null || !_revocations.Refuses(key, cached.RequestedAt))
        {
            return true;
        }

        var refused = cached;
        if (_cache.Revoke(key, c => ReferenceEquals(c, refused)))
        {
            _metrics.CredentialsRevoked("l1");
            Log.RevokedSetDropped(_logger, key.OrganizationId.Value, key.PermissionSet, refused.SessionName, refused.AccessKeyId, "L1");
        }

        cached = null!;
        refreshDue = false;
        return false;
    }

    private static Exception Overtaken() => new InvalidOperationException("The credentials were evicted while they were being obtained; try again.");

    private TimeSpan RetryAfterFor(Exception ex)
    {
        if (ex is IssuerUnavailableException { RetryAfter: { } remaining } && remaining > TimeSpan.Zero)
        {
            return remaining;
        }

        if (ex is StsAdmissionRejectedException { RetryAfter: { } admissionRetry } && admissionRetry > TimeSpan.Zero)
        {
            return admissionRetry;
        }

        return _retryAfter;
    }

    private void RefreshAhead(CredentialKey key, PermissionSet permissionSet)
    {
        if (!_cache.TryClaimRefresh(key, _refreshRetryInterval))
        {
            return; // another request claimed this refresh, or it failed less than RefreshRetryInterval ago
        }

        var flight = _cache.Run(key, (this, permissionSet), static (k, generation, s) => s.Item1.ObtainAsync(k, generation, s.permissionSet, refresh: true), out var started);
        if (started)
        {
            _metrics.CredentialRefresh();
            _ = flight.ContinueWith(
                static (t, state) =>
                {
                    var (self, k) = ((CredentialCache, CredentialKey))state!;
                    Log.RefreshFailed(self._logger, k.OrganizationId.Value, k.PermissionSet, t.Exception!.InnerException?.GetType().Name ?? "unknown");
                },
                (this, key),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    /// <summary>
    /// A caller that missed the cache may reach the single-flight only after another flight for the key stored fresh
    /// credentials and finished: look again before calling STS, so N concurrent misses stay one AssumeRole.
    /// </summary>
    private Task<ScopedCredentials> LoadUnlessFreshAsync(CredentialKey key, long generation, PermissionSet permissionSet)
    {
        if (TryGetUsable(key, out var cached, out _))
        {
            return Task.FromResult(cached);
        }

        return ObtainAsync(key, generation, permissionSet, refresh: false);
    }

    /// <summary>
    /// Credentials from L2 when the fleet has them, else from the issuer — in fleet mode under the fleet lock, so one
    /// instance calls STS while the others wait (at most <see cref="SharedCache.LockWait"/>) for its result in L2.
    /// </summary>
    /// <param name="generation">The key's eviction generation when the load began (what is stored is stored under it).</param>
    /// <param name="refresh">Refresh-ahead: only credentials younger than the refresh window are worth taking from L2.</param>
    private async Task<ScopedCredentials> ObtainAsync(CredentialKey key, long generation, PermissionSet permissionSet, bool refresh)
    {
        if (_shared is null)
        {
            return await LoadAsync(key, generation, permissionSet, null, refresh).ConfigureAwait(false);
        }

        var entryKey = key.SharedCacheKey;
        var deadline = _time.GetUtcNow() + _shared.LockWait;
        while (true)
        {
            if (await FromFleetAsync(key, generation, entryKey, refresh).ConfigureAwait(false) is { } shared)
            {
                return shared;
            }

            var (state, token) = await _shared.TryLockAsync(entryKey).ConfigureAwait(false);
            if (state == FleetLockState.Acquired)
            {
                try
                {
                    // Another instance may have stored fresh credentials between the read above and the lock.
                    return await FromFleetAsync(key, generation, entryKey, refresh).ConfigureAwait(false)
                        ?? await LoadAsync(key, generation, permissionSet, entryKey, refresh).ConfigureAwait(false);
                }
                finally
                {
                    await _shared.ReleaseAsync(entryKey, token).ConfigureAwait(false);
                }
            }

            if (state == FleetLockState.Unavailable || _time.GetUtcNow() >= deadline)
            {
                return await LoadAsync(key, generation, permissionSet, entryKey, refresh).ConfigureAwait(false);
            }

            await Task.Delay(SharedCache.PollInterval, _time).ConfigureAwait(false);
        }
    }

    private async Task<ScopedCredentials?> FromFleetAsync(CredentialKey key, long generation, string entryKey, bool refresh)
    {
        var entry = await _shared!.GetAsync(entryKey, SharedCacheJsonContext.Default.CredentialEntry).ConfigureAwait(false);
        if (entry is null)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (now >= entry.Expiration - (refresh ? _refreshAhead : _expiryBuffer) || IsRejected(key, entry.AccessKeyId))
        {
            return null; // a rejected set still in L2 (another instance wrote it back, or the removal failed) is a miss
        }

        if (_revocations is not null && _revocations.Refuses(key, entry.RequestedAt))
        {
            // Requested before a revocation's cut-off (or by an older gateway, when unknown): a miss; the load that follows
            // replaces the entry in L2 under the fleet lock.
            _metrics.CredentialsRevoked("l2");
            Log.RevokedSetDropped(_logger, key.OrganizationId.Value, key.PermissionSet, entry.SessionName, entry.AccessKeyId, "L2");
            return null;
        }

        var credentials = new ScopedCredentials(entry.AccessKeyId, entry.SecretAccessKey, entry.SessionToken, entry.Expiration, entry.SessionName) { RequestedAt = entry.RequestedAt };
        Store(key, credentials, generation);
        return credentials;
    }

    /// <summary>
    /// One AssumeRole, admitted by the AssumeRole budget first (<see cref="StsAdmission"/>: refresh-ahead before new
    /// sessions, new sessions round-robin across organizations; not admitted in time → <see cref="StsAdmissionRejectedException"/>).
    /// </summary>
    private async Task<ScopedCredentials> LoadAsync(CredentialKey key, long generation, PermissionSet permissionSet, string? entryKey, bool refresh)
    {
        // The budget's slot is held until STS answered (or failed): it frees one second after the call completed.
        using var slot = _admission is null ? null : await _admission.AcquireAsync(key.OrganizationId, refresh).ConfigureAwait(false);

        if (_revocations?.RefusedBefore(key) is { } notBefore && notBefore > _time.GetUtcNow())
        {
            // The scope was revoked less than the clock skew ago: a set requested now could carry an STS issue time before
            // the cut-off. Wait (at most the clock skew: a cut-off counts from when it was read, never from later).
            var wait = notBefore - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time).ConfigureAwait(false);
            }
        }

        var requestedAt = _time.GetUtcNow();
        ScopedCredentials issued;
        try
        {
            issued = await _issuer.IssueAsync(key, permissionSet, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            slot?.Dispose();
        }
        var credentials = new ScopedCredentials(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken, issued.Expiration, issued.SessionName) { RequestedAt = requestedAt };
        var now = _time.GetUtcNow();
        var usableFor = credentials.Expiration - _expiryBuffer - now;
        if (usableFor <= TimeSpan.Zero)
        {
            throw new CredentialsRejectedException($"STS returned credentials expiring at {credentials.Expiration:O}, inside the expiry buffer ({_expiryBuffer}) at {now:O}.");
        }

        if (_shared is null || entryKey is null)
        {
            Store(key, credentials, generation);
        }
        else if (!IsRejected(key, credentials.AccessKeyId))
        {
            // The L2 write is registered before the generation check, so an eviction either stops it (a set obtained
            // before it never reaches L2) or waits for it (EvictAsync) before the instance confirms — evict's next
            // removal then finds it in Redis.
            var entry = new CredentialEntry(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken, credentials.Expiration, credentials.SessionName, credentials.RequestedAt);
            await _cache.StoreAndWriteAsync(
                key, credentials, credentials.Expiration - _expiryBuffer, generation, (this, entryKey, entry), static async s =>
                    await s.Item1._shared!.SetAsync(s.entryKey, s.entry, SharedCacheJsonContext.Default.CredentialEntry, s.entry.Expiration - s.Item1._expiryBuffer).ConfigureAwait(false),
                credentials.Expiration - _refreshAhead, credentials.Expiration).ConfigureAwait(false);
        }

        return credentials;
    }

    /// <summary>
    /// Usable until the expiry buffer, refreshed ahead from <c>RefreshAhead</c> before expiry, dropped at expiry.
    /// A set the data store rejected is not stored again (a load begun before the drop may bring it back from L2).</summary>
    private void Store(CredentialKey key, ScopedCredentials credentials, long generation)
    {
        if (!IsRejected(key, credentials.AccessKeyId))
        {
            _cache.Store(key, credentials, credentials.Expiration - _expiryBuffer, generation, refreshFrom: credentials.Expiration - _refreshAhead, removeAt: credentials.Expiration);
        }
    }

    private bool IsRejected(CredentialKey key, string accessKeyId)
        => _rejections.TryGet(key, out var rejection, out _) && string.Equals(rejection.AccessKeyId, accessKeyId, StringComparison.Ordinal);

    /// <summary>
    /// A backend reported that the data store rejected <paramref name="rejected"/>, the set a request of <paramref name="key"/>
    /// was served with. <see cref="CredentialRejectionOutcome.Dropped"/>: it was still the current set of the key here (or
    /// this instance held none for the key) and is now unusable here, removed from L2 if L2 still holds that set, and
    /// announced to the fleet (each instance drops it only if it holds that very set), so the next request mints a new one. <see cref="CredentialRejectionOutcome.Cooldown"/>: the key had a set dropped less than
    /// <c>Cache:RejectionCooldown</c> ago (here or announced by another instance) — nothing happens, so a backend answering
    /// with the header every time cannot make the gateway call STS more than once per interval and key.
    /// <see cref="CredentialRejectionOutcome.Superseded"/>: a newer set was minted meanwhile; it stays.
    /// </summary>
    public async ValueTask<CredentialRejectionOutcome> RejectedAsync(CredentialKey key, ScopedCredentials rejected)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        CredentialRejectionOutcome outcome;
        lock (_rejectionLock)
        {
            var now = _time.GetUtcNow();
            if (_rejections.TryGet(key, out var last, out _) && now < last.At + _rejectionCooldown)
            {
                outcome = CredentialRejectionOutcome.Cooldown;
            }
            else if (_cache.TryGet(key, out var current, out _) && !IsSameSet(current, rejected.AccessKeyId))
            {
                outcome = CredentialRejectionOutcome.Superseded;
            }
            else
            {
                DropLocked(key, rejected.AccessKeyId, rejected.Expiration, now);
                outcome = CredentialRejectionOutcome.Dropped;
            }
        }

        _metrics.CredentialsRejected(outcome switch
        {
            CredentialRejectionOutcome.Dropped => "dropped",
            CredentialRejectionOutcome.Cooldown => "cooldown",
            _ => "superseded",
        });
        if (outcome != CredentialRejectionOutcome.Dropped)
        {
            Log.RejectionIgnored(_logger, key.OrganizationId.Value, key.PermissionSet, rejected.AccessKeyId, outcome);
            return outcome;
        }

        var removed = _shared is not null && await RemoveFromFleetAsync(key, rejected.AccessKeyId).ConfigureAwait(false);
        var announced = _shared is not null && await _shared.AnnounceAsync(
            new CredentialsRejectedMessage(key.OrganizationId.Value, key.PermissionSet, key.PolicyDigest, key.UserId, rejected.AccessKeyId, key.Shards.IsSharded ? key.Shards.Value : null)).ConfigureAwait(false);
        Log.RejectedDropped(_logger, key.OrganizationId.Value, key.PermissionSet, rejected.SessionName, rejected.AccessKeyId, removed, announced);
        return outcome;
    }

    /// <summary>Another instance dropped a rejected set (the backplane): drop this instance's copy of that set too and start the cooldown.</summary>
    public void OnCredentialsRejected(CredentialsRejectedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var shards = ShardCount.One;
        if (!OrganizationId.TryParse(message.OrganizationId, out var organizationId) || (message.Shards is { } n && !ShardCount.TryCreate(n, out shards)))
        {
            return;
        }

        var key = new CredentialKey(organizationId, message.PermissionSet, message.UserId, message.PolicyDigest, shards);
        bool revoked;
        lock (_rejectionLock)
        {
            if (IsRejected(key, message.AccessKeyId))
            {
                // Already dropped here (this instance's own announcement, or a repeat): only make sure no copy came back.
                revoked = _cache.Revoke(key, c => IsSameSet(c, message.AccessKeyId));
            }
            else
            {
                revoked = DropLocked(key, message.AccessKeyId, null, _time.GetUtcNow());
            }
        }

        Log.RejectedAnnounced(_logger, message.OrganizationId, message.PermissionSet, message.AccessKeyId, revoked);
    }

    /// <summary>Records the rejection (cooldown, no return of the set) and makes the set unusable in L1 if it is the one cached.</summary>
    private bool DropLocked(CredentialKey key, string accessKeyId, DateTimeOffset? expiration, DateTimeOffset now)
    {
        var cooldownEnd = now + _rejectionCooldown;
        var keepUntil = expiration is { } e && e > cooldownEnd ? e : cooldownEnd;
        _rejections.Store(key, new Rejection(accessKeyId, now), keepUntil, generation: 0);
        Interlocked.Exchange(ref _lastRejectionTicks, now.UtcTicks);
        return _cache.Revoke(key, c => IsSameSet(c, accessKeyId));
    }

    /// <summary>
    /// Removes the key's L2 entry if it still holds the rejected set — under the fleet lock when it is free, so an instance
    /// minting the key's next set meanwhile is not undone; without it when another instance holds it or the lock is
    /// unavailable (then the worst a race costs is one more AssumeRole: no instance takes the rejected set from L2 again).
    /// </summary>
    private async Task<bool> RemoveFromFleetAsync(CredentialKey key, string accessKeyId)
    {
        var entryKey = key.SharedCacheKey;
        var (state, token) = await _shared!.TryLockAsync(entryKey).ConfigureAwait(false);
        try
        {
            var entry = await _shared.GetAsync(entryKey, SharedCacheJsonContext.Default.CredentialEntry).ConfigureAwait(false);
            return entry is not null && string.Equals(entry.AccessKeyId, accessKeyId, StringComparison.Ordinal)
                && await _shared.RemoveAsync(entryKey).ConfigureAwait(false);
        }
        finally
        {
            if (state == FleetLockState.Acquired)
            {
                await _shared.ReleaseAsync(entryKey, token).ConfigureAwait(false);
            }
        }
    }

    private static bool IsSameSet(ScopedCredentials credentials, string accessKeyId)
        => string.Equals(credentials.AccessKeyId, accessKeyId, StringComparison.Ordinal);

    /// <summary>
    /// Drops this instance's per-user credentials of <paramref name="userId"/> (in <paramref name="organizationId"/> when
    /// given) — the backplane's <c>evict</c>; organization-wide credentials are not a user's and stay (the membership
    /// check in front of them is what a user's eviction revokes). With no user, every credential set of
    /// <paramref name="organizationId"/> — organization-wide and per-user, of every permission set and policy digest —
    /// is dropped (<c>evict --organization</c>, <c>revoke --organization</c>: the next request mints a set issued after the
    /// revocation). Either way a load of those keys under way is overtaken (neither stored nor handed out).
    /// </summary>
    public int Evict(string? userId, string? organizationId)
    {
        if (userId is null)
        {
            ArgumentNullException.ThrowIfNull(organizationId);
            return _cache.Evict(organizationId, key => string.Equals(key.OrganizationId.Value, organizationId, StringComparison.Ordinal));
        }

        return _cache.EvictGroup(userId, key => string.Equals(key.UserId, userId, StringComparison.Ordinal)
            && (organizationId is null || string.Equals(key.OrganizationId.Value, organizationId, StringComparison.Ordinal)));
    }

    /// <summary>
    /// A revocation of <paramref name="organization"/> was observed (new, or a later cut-off): every load of its keys under
    /// way now is overtaken — neither stored nor handed out; its callers load again, after the cut-off. Cached sets stay
    /// until a lookup finds them covered (<see cref="TryGetUsable"/>): a set requested after the cut-off is kept.
    /// </summary>
    public void OvertakeLoads(OrganizationId organization) => _cache.Evict(organization.Value, static _ => false);

    /// <summary><see cref="Evict"/>, then waits for the L2 writes that were under way (so none lands after <c>evict</c>'s removal).</summary>
    public async Task<int> EvictAsync(string? userId, string? organizationId)
    {
        var removed = Evict(userId, organizationId);
        await _cache.WhenWritesDoneAsync().ConfigureAwait(false);
        return removed;
    }

    ValueTask<int> IUserEviction.EvictAsync(string? userId, string? organizationId) => new(EvictAsync(userId, organizationId));

    /// <summary>Test hook: evict everything.</summary>
    internal void Clear() => _cache.Clear();

    public void Dispose()
    {
        _cache.Dispose();
        _rejections.Dispose();
    }

    /// <summary>A dropped set of one key: its access key id and when it was dropped.</summary>
    private sealed record Rejection(string AccessKeyId, DateTimeOffset At);
}
