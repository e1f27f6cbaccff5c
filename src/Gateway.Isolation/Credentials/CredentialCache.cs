using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Gateway.Policies.SessionPolicies;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// Credential cache per DESIGN.md: a size-bounded <see cref="MemoryCache"/> (least recently used evicted), single-flight
/// per key, refresh-ahead (serve current credentials, one background refresh) and an expiry buffer (past it callers
/// wait for fresh ones). Failures are never cached; credentials that arrive inside the buffer are rejected; time comes
/// from <see cref="TimeProvider"/>.
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

    public CredentialCache(ICredentialIssuer issuer, IOptions<TenantIsolationOptions> options, TimeProvider time, IsolationMetrics metrics, ILogger<CredentialCache> logger)
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
        if (ex is BrokenCircuitException { RetryAfter: { } remaining } && remaining > TimeSpan.Zero)
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

        var flight = _flights.Run(key, (this, permissionSet), static (k, s) => s.Item1.LoadAsync(k, s.permissionSet), out var started);
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

        return LoadAsync(key, permissionSet);
    }

    private async Task<ScopedCredentials> LoadAsync(CredentialKey key, PermissionSet permissionSet)
    {
        var credentials = await _issuer.IssueAsync(key, permissionSet, CancellationToken.None).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var usableFor = credentials.Expiration - _expiryBuffer - now;
        if (usableFor <= TimeSpan.Zero)
        {
            throw new CredentialsRejectedException($"STS returned credentials expiring at {credentials.Expiration:O}, inside the expiry buffer ({_expiryBuffer}) at {now:O}.");
        }

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
        return credentials;
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
