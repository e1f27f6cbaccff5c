using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies.SessionPolicies;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// Credential cache (docs/gateway.md, "Credential cache") on the engine's <see cref="TimedCache{TKey, TValue}"/>: size-bounded
/// (least recently used evicted), single-flight per key, refresh-ahead (serve current credentials, one background refresh) and an expiry buffer (past it callers
/// wait for fresh ones). Failures are never cached; credentials that arrive inside the buffer are rejected; time comes
/// from <see cref="TimeProvider"/>. With a <see cref="SharedCache"/> (fleet mode) a miss looks into L2 first, then one
/// instance of the fleet calls STS under the fleet lock while the others wait for its result in L2; every problem with
/// L2 or the lock falls back to this instance's own single flight.
/// </summary>
internal sealed partial class CredentialCache : IUserEviction, IDisposable
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

    public CredentialCache(ICredentialIssuer issuer, IOptions<TenantIsolationOptions> options, TimeProvider time, IsolationMetrics metrics, ILogger<CredentialCache> logger, SharedCache? shared = null)
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
        _cache = new TimedCache<CredentialKey, ScopedCredentials>(o.Cache.SizeLimit, time);
    }

    public int Count => _cache.Count;

    /// <summary>Valid credentials for <paramref name="key"/>, or <see cref="CredentialResult.Unavailable"/> (never throws for STS failures).</summary>
    public ValueTask<CredentialResult> GetAsync(CredentialKey key, PermissionSet permissionSet, CancellationToken cancellationToken)
    {
        if (_cache.TryGet(key, out var cached, out var refreshDue))
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
        var flight = _cache.Run(key, (this, permissionSet), static (k, _, s) => s.Item1.LoadUnlessFreshAsync(k, s.permissionSet), out _);
        try
        {
            var credentials = await flight.WaitAsync(cancellationToken).ConfigureAwait(false);
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

    private TimeSpan RetryAfterFor(Exception ex)
    {
        if (ex is IssuerUnavailableException { RetryAfter: { } remaining } && remaining > TimeSpan.Zero)
        {
            return remaining;
        }

        return _retryAfter;
    }

    private void RefreshAhead(CredentialKey key, PermissionSet permissionSet)
    {
        if (!_cache.TryClaimRefresh(key, _refreshRetryInterval))
        {
            return; // another request claimed this refresh, or it failed less than RefreshRetryInterval ago
        }

        var flight = _cache.Run(key, (this, permissionSet), static (k, _, s) => s.Item1.ObtainAsync(k, s.permissionSet, refresh: true), out var started);
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
    private Task<ScopedCredentials> LoadUnlessFreshAsync(CredentialKey key, PermissionSet permissionSet)
    {
        if (_cache.TryGet(key, out var cached, out _))
        {
            return Task.FromResult(cached);
        }

        return ObtainAsync(key, permissionSet, refresh: false);
    }

    /// <summary>
    /// Credentials from L2 when the fleet has them, else from the issuer — in fleet mode under the fleet lock, so one
    /// instance calls STS while the others wait (at most <see cref="SharedCache.LockWait"/>) for its result in L2.
    /// </summary>
    /// <param name="refresh">Refresh-ahead: only credentials younger than the refresh window are worth taking from L2.</param>
    private async Task<ScopedCredentials> ObtainAsync(CredentialKey key, PermissionSet permissionSet, bool refresh)
    {
        if (_shared is null)
        {
            return await LoadAsync(key, permissionSet, null).ConfigureAwait(false);
        }

        var entryKey = key.SharedCacheKey;
        var deadline = _time.GetUtcNow() + _shared.LockWait;
        while (true)
        {
            if (await FromFleetAsync(key, entryKey, refresh).ConfigureAwait(false) is { } shared)
            {
                return shared;
            }

            var (state, token) = await _shared.TryLockAsync(entryKey).ConfigureAwait(false);
            if (state == FleetLockState.Acquired)
            {
                try
                {
                    // Another instance may have stored fresh credentials between the read above and the lock.
                    return await FromFleetAsync(key, entryKey, refresh).ConfigureAwait(false)
                        ?? await LoadAsync(key, permissionSet, entryKey).ConfigureAwait(false);
                }
                finally
                {
                    await _shared.ReleaseAsync(entryKey, token).ConfigureAwait(false);
                }
            }

            if (state == FleetLockState.Unavailable || _time.GetUtcNow() >= deadline)
            {
                return await LoadAsync(key, permissionSet, entryKey).ConfigureAwait(false);
            }

            await Task.Delay(SharedCache.PollInterval, _time).ConfigureAwait(false);
        }
    }

    private async Task<ScopedCredentials?> FromFleetAsync(CredentialKey key, string entryKey, bool refresh)
    {
        var entry = await _shared!.GetAsync(entryKey, SharedCacheJsonContext.Default.CredentialEntry).ConfigureAwait(false);
        if (entry is null)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (now >= entry.Expiration - (refresh ? _refreshAhead : _expiryBuffer))
        {
            return null;
        }

        var credentials = new ScopedCredentials(entry.AccessKeyId, entry.SecretAccessKey, entry.SessionToken, entry.Expiration, entry.SessionName);
        Store(key, credentials);
        return credentials;
    }

    private async Task<ScopedCredentials> LoadAsync(CredentialKey key, PermissionSet permissionSet, string? entryKey)
    {
        var credentials = await _issuer.IssueAsync(key, permissionSet, CancellationToken.None).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var usableFor = credentials.Expiration - _expiryBuffer - now;
        if (usableFor <= TimeSpan.Zero)
        {
            throw new CredentialsRejectedException($"STS returned credentials expiring at {credentials.Expiration:O}, inside the expiry buffer ({_expiryBuffer}) at {now:O}.");
        }

        Store(key, credentials);
        if (_shared is not null && entryKey is not null)
        {
            var entry = new CredentialEntry(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken, credentials.Expiration, credentials.SessionName);
            await _shared.SetAsync(entryKey, entry, SharedCacheJsonContext.Default.CredentialEntry, credentials.Expiration - _expiryBuffer).ConfigureAwait(false);
        }

        return credentials;
    }

    /// <summary>Usable until the expiry buffer, refreshed ahead from <c>RefreshAhead</c> before expiry, dropped at expiry.</summary>
    private void Store(CredentialKey key, ScopedCredentials credentials)
        => _cache.Store(key, credentials, credentials.Expiration - _expiryBuffer, generation: 0, refreshFrom: credentials.Expiration - _refreshAhead, removeAt: credentials.Expiration);

    /// <summary>
    /// Drops this instance's per-user credentials of <paramref name="userId"/> (in <paramref name="organizationId"/> when
    /// given) — the backplane's <c>evict</c>. Organization-wide credentials are not a user's and stay: the membership check
    /// in front of them is what an eviction revokes.
    /// </summary>
    public int Evict(string userId, string? organizationId)
        => _cache.Evict(null, key => string.Equals(key.UserId, userId, StringComparison.Ordinal)
            && (organizationId is null || string.Equals(key.OrganizationId.Value, organizationId, StringComparison.Ordinal)));

    ValueTask<int> IUserEviction.EvictAsync(string userId, string? organizationId) => ValueTask.FromResult(Evict(userId, organizationId));

    /// <summary>Test hook: evict everything.</summary>
    internal void Clear() => _cache.Clear();

    public void Dispose() => _cache.Dispose();
}
