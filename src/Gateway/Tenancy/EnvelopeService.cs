using System.Collections.Concurrent;
using System.Collections.Frozen;
using Gateway.Configuration;
using Gateway.Envelopes;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Evaluation;
using Microsoft.Extensions.Options;

namespace Gateway.Tenancy;

/// <summary>
/// Writes <c>X-Tenant-Context</c> with one <see cref="TenantEnvelopeWriter"/> per cluster (its current key; audience =
/// cluster id). Unless <see cref="ForwardingOptions.EnvelopePerRequest"/> is set, an envelope is written once per
/// (credential set, user, role, cluster) and reused until it nears expiry, so the hot path does no crypto.
/// A credential set is recognised by its access key id (credentials read back from the shared cache tier are new
/// objects with the same key), and an entry is used only when its secret and session token are the very ones of the
/// request's credentials; sets past their expiration are swept out, and at most <see cref="MaxCredentialSets"/> are kept.
/// The writers follow reloads of <c>TenantIsolation:Envelopes</c> (a rotated current key is used from the next request;
/// an envelope written with an older key is not reused).
/// </summary>
internal sealed class EnvelopeService : IEnvelopeService, IDisposable
{
    private FrozenDictionary<string, TenantEnvelopeWriter> _writers;
    private readonly IDisposable? _subscription;
    private readonly string _issuer;
    /// <summary>More live credential sets than the credential cache holds by default; beyond it envelopes are written per request.</summary>
    internal const int MaxCredentialSets = 100_000;

    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, CredentialEnvelopes> _cache = new(StringComparer.Ordinal);
    private long _nextSweepTicks;

    /// <summary>Entries in <see cref="_cache"/>, kept beside it: ConcurrentDictionary.Count takes every bucket lock.</summary>
    private int _count;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly TimeSpan _reuseMargin;
    private readonly bool _perRequest;
    private readonly int _maxPerCredential;

    public EnvelopeService(IOptions<ForwardingOptions> forwarding, IOptionsMonitor<EnvelopeOptions> envelopes, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(forwarding);
        ArgumentNullException.ThrowIfNull(envelopes);
        var o = forwarding.Value;
        _time = time;
        _lifetime = o.EnvelopeLifetime;
        _reuseMargin = TimeSpan.FromTicks(Math.Max(_lifetime.Ticks / 5, TimeSpan.FromSeconds(5).Ticks));
        _perRequest = o.EnvelopePerRequest;
        _maxPerCredential = o.EnvelopesPerCredential;
        _issuer = o.EnvelopeIssuer;
        _writers = Writers(envelopes.CurrentValue);
        _subscription = envelopes.OnChange((next, _) => Volatile.Write(ref _writers, Writers(next)));
    }

    public bool HasKeyFor(string clusterId) => Volatile.Read(ref _writers).ContainsKey(clusterId);

    public void Dispose() => _subscription?.Dispose();

    private FrozenDictionary<string, TenantEnvelopeWriter> Writers(EnvelopeOptions envelopes)
    {
        var writers = new Dictionary<string, TenantEnvelopeWriter>(StringComparer.OrdinalIgnoreCase);
        foreach (var (cluster, envelope) in envelopes.Clusters)
        {
            if (envelope.Current is { KeyId: { Length: > 0 } keyId, Key: { Length: > 0 } key })
            {
                writers[cluster] = new TenantEnvelopeWriter(EnvelopeKey.FromBase64(keyId, key), _issuer, _time);
            }
        }

        return writers.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The envelope for this request, or null when the cluster has no key (the caller fails closed).</summary>
    public string? GetEnvelope(TenantIsolationDecision decision, string clusterId, string requestId)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (!decision.IsAllowed)
        {
            throw new ArgumentException("Envelopes are written for allowed decisions only.", nameof(decision));
        }

        if (!Volatile.Read(ref _writers).TryGetValue(clusterId, out var writer))
        {
            return null;
        }

        if (_perRequest || _maxPerCredential == 0)
        {
            return Write(writer, decision, clusterId, requestId);
        }

        var now = _time.GetUtcNow();
        var perCredential = EnvelopesFor(decision.Credentials!, now);
        if (perCredential is null)
        {
            return Write(writer, decision, clusterId, requestId);
        }

        var key = new EnvelopeCacheKey(decision.UserId, decision.Role, clusterId);
        if (perCredential.TryGetValue(key, out var cached) && now < cached.ReuseUntil && ReferenceEquals(cached.Writer, writer))
        {
            return cached.Token;
        }

        var token = Write(writer, decision, clusterId, requestId);
        var expires = Min(now + _lifetime, decision.Credentials.Expiration);
        if (perCredential.Count < _maxPerCredential || perCredential.ContainsKey(key))
        {
            perCredential[key] = new CachedEnvelope(token, expires - _reuseMargin, writer);
        }

        return token;
    }

    /// <summary>
    /// The envelopes written for this credential set, or null when they cannot be cached (another set claims its access
    /// key id, or the bound is reached).
    /// </summary>
    private ConcurrentDictionary<EnvelopeCacheKey, CachedEnvelope>? EnvelopesFor(ScopedCredentials credentials, DateTimeOffset now)
    {
        if (!_cache.TryGetValue(credentials.AccessKeyId, out var entry))
        {
            Sweep(now);
            if (Volatile.Read(ref _count) >= MaxCredentialSets)
            {
                return null;
            }

            var created = new CredentialEnvelopes(credentials);
            if (_cache.TryAdd(credentials.AccessKeyId, created))
            {
                Interlocked.Increment(ref _count);
                entry = created;
            }
            else if (!_cache.TryGetValue(credentials.AccessKeyId, out entry))
            {
                return null; // added and swept away meanwhile: write this one envelope per request
            }
        }

        return entry.IsFor(credentials) ? entry.Envelopes : null;
    }

    /// <summary>Drops credential sets past their expiration, at most once per <see cref="SweepInterval"/>.</summary>
    private void Sweep(DateTimeOffset now)
    {
        var next = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextSweepTicks, (now + SweepInterval).UtcTicks, next) != next)
        {
            return;
        }

        foreach (var (accessKeyId, entry) in _cache)
        {
            if (entry.Expiration <= now)
            {
                if (_cache.TryRemove(accessKeyId, out _))
                {
                    Interlocked.Decrement(ref _count);
                }
            }
        }
    }

    private string Write(TenantEnvelopeWriter writer, TenantIsolationDecision decision, string clusterId, string requestId)
    {
        var credentials = decision.Credentials!;
        var envelope = new TenantEnvelope
        {
            OrganizationId = decision.OrganizationId.Value,
            UserId = decision.UserId,
            Role = decision.Role!,
            RequestId = requestId,
            PermissionSet = decision.PermissionSet!,
            AccessKeyId = credentials.AccessKeyId,
            SecretAccessKey = credentials.SecretAccessKey,
            SessionToken = credentials.SessionToken,
            CredentialExpiration = credentials.Expiration,
            Shards = decision.Shards.Value,
        };
        var remaining = credentials.Expiration - _time.GetUtcNow();
        return writer.Write(envelope, clusterId, remaining < _lifetime ? remaining : _lifetime);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>One credential set's envelopes; it answers only for credentials with the same secret and session token.</summary>
    private sealed class CredentialEnvelopes(ScopedCredentials credentials)
    {
        public DateTimeOffset Expiration { get; } = credentials.Expiration;

        // One lock and one bucket to start: almost every credential set has one (user, role, cluster) — with the
        // defaults an empty dictionary alone costs ~0.4 KB per cached organization session.
        public ConcurrentDictionary<EnvelopeCacheKey, CachedEnvelope> Envelopes { get; } = new(concurrencyLevel: 1, capacity: 1);

        public bool IsFor(ScopedCredentials other)
            => ReferenceEquals(other, credentials)
               || (string.Equals(other.SecretAccessKey, credentials.SecretAccessKey, StringComparison.Ordinal)
                   && string.Equals(other.SessionToken, credentials.SessionToken, StringComparison.Ordinal)
                   && other.Expiration == credentials.Expiration);

        public override string ToString() => $"CredentialEnvelopes {{ AccessKeyId = {credentials.AccessKeyId}, Count = {Envelopes.Count} }}";
    }

    private readonly record struct EnvelopeCacheKey(string UserId, string Role, string ClusterId);

    /// <summary>An envelope and the writer (key) it was written with: after a key reload it is written again.</summary>
    private sealed record CachedEnvelope(string Token, DateTimeOffset ReuseUntil, TenantEnvelopeWriter Writer)
    {
        public override string ToString() => $"CachedEnvelope {{ ReuseUntil = {ReuseUntil:O}, Token = [redacted] }}";
    }
}
