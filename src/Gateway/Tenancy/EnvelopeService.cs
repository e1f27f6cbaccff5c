using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text;
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
        if (perCredential.TryGet(key, out var cached) && now < cached.ReuseUntil && ReferenceEquals(cached.Writer, writer))
        {
            return cached.Token;
        }

        var token = Write(writer, decision, clusterId, requestId);
        var expires = Min(now + _lifetime, decision.Credentials.Expiration);
        if (Ascii.IsValid(token))
        {
            perCredential.Set(new CachedEnvelope(key, token, expires - _reuseMargin, writer), _maxPerCredential);
        }

        return token;
    }

    /// <summary>
    /// The envelopes written for this credential set, or null when they cannot be cached (another set claims its access
    /// key id, or the bound is reached).
    /// </summary>
    private CredentialEnvelopes? EnvelopesFor(ScopedCredentials credentials, DateTimeOffset now)
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

        return entry.IsFor(credentials) ? entry : null;
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
        // Almost every credential set has one (user, role, cluster): that first envelope sits in a field; a dictionary
        // (even an empty one with one lock and one bucket costs ~0.25 KB per cached organization session) only for more.
        private CachedEnvelope? _first;
        private ConcurrentDictionary<EnvelopeCacheKey, CachedEnvelope>? _more;

        public DateTimeOffset Expiration { get; } = credentials.Expiration;

        public bool IsFor(ScopedCredentials other) => credentials.HasSameSecrets(other) && other.Expiration == credentials.Expiration;

        public bool TryGet(EnvelopeCacheKey key, [NotNullWhen(true)] out CachedEnvelope? envelope)
        {
            envelope = Volatile.Read(ref _first);
            if (envelope is not null && envelope.Key == key)
            {
                return true;
            }

            envelope = null;
            return Volatile.Read(ref _more) is { } more && more.TryGetValue(key, out envelope);
        }

        /// <summary>Stores (or replaces) the envelope of its key, unless that would make more than <paramref name="max"/> keys.</summary>
        public void Set(CachedEnvelope envelope, int max)
        {
            var first = Interlocked.CompareExchange(ref _first, envelope, null);
            if (first is null)
            {
                return;
            }

            if (first.Key == envelope.Key)
            {
                Interlocked.CompareExchange(ref _first, envelope, first); // a racing replacement is as good as this one
                return;
            }

            var more = Volatile.Read(ref _more);
            if (more is null)
            {
                if (max <= 1)
                {
                    return;
                }

                more = Interlocked.CompareExchange(ref _more, new(concurrencyLevel: 1, capacity: 1), null) ?? Volatile.Read(ref _more)!;
            }

            if (1 + more.Count < max || more.ContainsKey(envelope.Key))
            {
                more[envelope.Key] = envelope;
            }
        }

        public override string ToString() => $"CredentialEnvelopes {{ AccessKeyId = {credentials.AccessKeyId}, Count = {(_first is null ? 0 : 1) + (_more?.Count ?? 0)} }}";
    }

    private readonly record struct EnvelopeCacheKey(string UserId, string Role, string ClusterId);

    /// <summary>
    /// An envelope and the writer (key) it was written with: after a key reload it is written again. The envelope (compact
    /// JWE: ASCII) is kept as bytes — one byte per character instead of two; the header value string is kept only weakly,
    /// so a session in use reuses one string and an idle one holds bytes only once a garbage collection ran.
    /// </summary>
    private sealed class CachedEnvelope
    {
        [DebuggerBrowsable(DebuggerBrowsableState.Never)]
        private readonly byte[] _ascii;

        [DebuggerBrowsable(DebuggerBrowsableState.Never)]
        private readonly WeakReference<string> _token;

        public CachedEnvelope(EnvelopeCacheKey key, string token, DateTimeOffset reuseUntil, TenantEnvelopeWriter writer)
        {
            if (!Ascii.IsValid(token))
            {
                throw new ArgumentException("An envelope is compact JWE text (ASCII).", nameof(token));
            }

            Key = key;
            _ascii = Encoding.ASCII.GetBytes(token);
            _token = new WeakReference<string>(token);
            ReuseUntil = reuseUntil;
            Writer = writer;
        }

        public EnvelopeCacheKey Key { get; }

        public DateTimeOffset ReuseUntil { get; }

        public TenantEnvelopeWriter Writer { get; }

        /// <summary>The header value: the string still alive since its last use, or a new one from the bytes.</summary>
        public string Token
        {
            get
            {
                if (_token.TryGetTarget(out var token))
                {
                    return token;
                }

                token = Encoding.ASCII.GetString(_ascii);
                _token.SetTarget(token);
                return token;
            }
        }

        public override string ToString() => $"CachedEnvelope {{ ReuseUntil = {ReuseUntil:O}, Token = [redacted] }}";
    }
}
