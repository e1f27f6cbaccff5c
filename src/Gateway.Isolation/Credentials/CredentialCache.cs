using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies.SessionPolicies;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// Credential cache (docs/gateway.md, "Credential cache"): a size-bounded <see cref="MemoryCache"/> (least recently used evicted), single-flight
/// per key, refresh-ahead (serve current credentials, one background refresh) and an expiry buffer (past it callers
/// wait for fresh ones). Failures are never cached; credentials that arrive inside the buffer are rejected; time comes
/// from <see cref="TimeProvider"/>. With a <see cref="SharedCache"/> (fleet mode) a miss looks into L2 first, then one
/// instance of the fleet calls STS under the fleet lock while the others wait for its result in L2; every problem with
/// L2 or the lock falls back to this instance's own single flight.
/// </summary>
internal sealed partial class CredentialCache : IDisposable
{
    private readonly ICredentialIssuer _issuer;
    private readonly TimeProvider _time;
    private readonly IsolationMetrics _metrics;
    private readonly ILogger<CredentialCache> _logger;
    private readonly MemoryCache _cache;
    private readonly SingleFlight<CredentialKey, ScopedCredentials> _flights = new();
    private readonly TimeSpan _refreshAhead;
    private readonly TimeSpan _expiryBuffer;
    private readonly TimeSpan _refreshRetryInterval;
    private readonly TimeSpan _retryAfter;
    private readonly int _sizeLimit;
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
        _sizeLimit = o.Cache.SizeLimit;
        _shared = shared;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _sizeLimit, CompactionPercentage = 0.1 });
    }

    public int Count => _cache.Count;

    /// <summary>Valid credentials for <paramref name="key"/>, or <see cref="CredentialResult.Unavailable"/> (never throws for STS failures).</summary>
    public ValueTask<CredentialResult> GetAsync(CredentialKey key, PermissionSet permissionSet, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(key, out Entry? entry) && entry is not null)
        {
            var now = _time.GetUtcNow();
            var expiration = entry.Credentials.Expiration;
            if (now < expiration - _expiryBuffer)
            {
                if (now >= expiration - _refreshAhead)
                {
                    RefreshAhead(key, permissionSet, entry, now);
                }

                _metrics.CredentialCacheHit();
                IsolationTelemetry.CacheResult(now >= expiration - _refreshAhead ? "refresh" : "hit");
                return new ValueTask<CredentialResult>(new CredentialResult(entry.Credentials, TimeSpan.Zero));
            }
        }

        _metrics.CredentialCacheMiss();
        IsolationTelemetry.CacheResult("miss");
        return WaitForFreshAsync(key, permissionSet, cancellationToken);
    }

    /// <summary>The miss path (internal for tests: a caller that checked the cache before another flight filled it).</summary>
    internal async ValueTask<CredentialResult> WaitForFreshAsync(CredentialKey key, PermissionSet permissionSet, CancellationToken cancellationToken)
    {
        var flight = _flights.Run(key, (this, permissionSet), static (k, s) => s.Item1.LoadUnlessFreshAsync(k, s.permissionSet), out _);
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

    private void RefreshAhead(CredentialKey key, PermissionSet permissionSet, Entry entry, DateTimeOffset now)
    {
        var notBefore = Volatile.Read(ref entry.NextRefreshTicks);
        if (now.UtcTicks < notBefore)
        {
            return;
        }

        var next = (now + _refreshRetryInterval).UtcTicks;
        if (Interlocked.CompareExchange(ref entry.NextRefreshTicks, next, notBefore) != notBefore)
        {
            return; // another request claimed this refresh
        }

        var flight = _flights.Run(key, (this, permissionSet), static (k, s) => s.Item1.ObtainAsync(k, s.permissionSet, refresh: true), out var started);
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
        if (_cache.TryGetValue(key, out Entry? entry) && entry is not null && _time.GetUtcNow() < entry.Credentials.Expiration - _expiryBuffer)
        {
            return Task.FromResult(entry.Credentials);
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

        var entryKey = SharedCacheKeys.Credentials(key);
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
        Store(key, credentials, now);
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

        Store(key, credentials, now);
        if (_shared is not null && entryKey is not null)
        {
            var entry = new CredentialEntry(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken, credentials.Expiration, credentials.SessionName);
            await _shared.SetAsync(entryKey, entry, SharedCacheJsonContext.Default.CredentialEntry, credentials.Expiration - _expiryBuffer).ConfigureAwait(false);
        }

        return credentials;
    }

    private void Store(CredentialKey key, ScopedCredentials credentials, DateTimeOffset now)
    {
        var count = _cache.Count;
        if (count >= _sizeLimit)
        {
            // Make room synchronously (least recently used first); MemoryCache would otherwise refuse the entry.
            _cache.Compact(Math.Max(0.1, 1.5 / count));
        }

        _cache.Set(key, new Entry(credentials), new MemoryCacheEntryOptions
        {
            Size = 1,
            AbsoluteExpirationRelativeToNow = credentials.Expiration - now,
        });
    }

    /// <summary>
    /// Drops this instance's per-user credentials of <paramref name="userId"/> (in <paramref name="organizationId"/> when
    /// given) — the backplane's <c>evict</c>. Organization-wide credentials are not a user's and stay: the membership check
    /// in front of them is what an eviction revokes.
    /// </summary>
    public int Evict(string userId, string? organizationId)
    {
        var removed = 0;
        foreach (var item in _cache.Keys)
        {
            if (item is CredentialKey key && string.Equals(key.UserId, userId, StringComparison.Ordinal)
                && (organizationId is null || string.Equals(key.OrganizationId.Value, organizationId, StringComparison.Ordinal)))
            {
                _cache.Remove(key);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Test hook: evict everything.</summary>
    internal void Clear() => _cache.Compact(1.0);

    public void Dispose() => _cache.Dispose();

    private sealed class Entry(ScopedCredentials credentials)
    {
        public readonly ScopedCredentials Credentials = credentials;
        public long NextRefreshTicks;
    }
}
