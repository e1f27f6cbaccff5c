using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Buffers.Text;
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
/// request's credentials (their digests); sets past their expiration are swept out, and at most <see cref="MaxCredentialSets"/> are kept.
/// Once an envelope of a set is cached, the set holds its secret and session token only sealed in it
/// (<see cref="ScopedCredentials.HoldSealed"/>): the token is kept once, in the envelope's binary form, and read back
/// (decrypted) only to write another envelope of the set.
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

    /// <summary>The protected header segment of the last envelope cached: the same for every envelope of a key, held once.</summary>
    private string? _header;

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
        if (CachedEnvelope.TryCreate(key, token, expires - _reuseMargin, writer, ref _header) is { } created
            && perCredential.Set(created, _maxPerCredential))
        {
            // The envelope now carries the secrets: the credential set drops its own copy (checked: the envelope gives
            // back the very same ones) and reads them from the envelope when it writes another — the secrets held once.
            decision.Credentials.HoldSealed(created);
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
        credentials.ReadSecrets(out var secretAccessKey, out var sessionToken);
        var envelope = new TenantEnvelope
        {
            OrganizationId = decision.OrganizationId.Value,
            UserId = decision.UserId,
            Role = decision.Role!,
            RequestId = requestId,
            PermissionSet = decision.PermissionSet!,
            AccessKeyId = credentials.AccessKeyId,
            SecretAccessKey = secretAccessKey,
            SessionToken = sessionToken,
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

        /// <summary>
        /// Stores (or replaces) the envelope of its key, unless that would make more than <paramref name="max"/> keys;
        /// false when it was not stored.
        /// </summary>
        public bool Set(CachedEnvelope envelope, int max)
        {
            var first = Interlocked.CompareExchange(ref _first, envelope, null);
            if (first is null)
            {
                return true;
            }

            if (first.Key == envelope.Key)
            {
                // A racing replacement is as good as this one.
                return ReferenceEquals(Interlocked.CompareExchange(ref _first, envelope, first), first);
            }

            var more = Volatile.Read(ref _more);
            if (more is null)
            {
                if (max <= 1)
                {
                    return false;
                }

                more = Interlocked.CompareExchange(ref _more, new(concurrencyLevel: 1, capacity: 1), null) ?? Volatile.Read(ref _more)!;
            }

            if (1 + more.Count < max || more.ContainsKey(envelope.Key))
            {
                more[envelope.Key] = envelope;
                return true;
            }

            return false;
        }

        public override string ToString() => $"CredentialEnvelopes {{ AccessKeyId = {credentials.AccessKeyId}, Count = {(_first is null ? 0 : 1) + (_more?.Count ?? 0)} }}";
    }

    private readonly record struct EnvelopeCacheKey(string UserId, string Role, string ClusterId);

    /// <summary>
    /// An envelope and the writer (key) it was written with: after a key reload it is written again. The envelope (compact
    /// JWE, <c>header..iv.ciphertext.tag</c> with <c>alg=dir</c>) is kept in its binary form: the protected header segment
    /// (the same for every envelope of a key: one string shared by the entries), and the initialization vector, ciphertext
    /// and tag base64url-decoded into one array (3 bytes per 4 characters, instead of the string's 2 bytes per character).
    /// The header value string is kept only weakly: a session in use reuses one string, an idle one holds the bytes only
    /// once a garbage collection ran, and its next request base64url-encodes them again (no crypto, the same bytes). It is
    /// also where the credential set's secrets are held once the set handed them over (<see cref="Unseal"/> decrypts it with
    /// the writer's key).
    /// </summary>
    private sealed class CachedEnvelope : ISealedSecrets
    {
        [DebuggerBrowsable(DebuggerBrowsableState.Never)]
        private readonly string _header;

        /// <summary>Initialization vector, ciphertext and authentication tag, decoded.</summary>
        [DebuggerBrowsable(DebuggerBrowsableState.Never)]
        private readonly byte[] _sealed;

        private readonly ushort _ivLength;
        private readonly ushort _tagLength;

        [DebuggerBrowsable(DebuggerBrowsableState.Never)]
        private readonly WeakReference<string> _token;

        private CachedEnvelope(EnvelopeCacheKey key, string header, byte[] sealedParts, int ivLength, int tagLength, string token, DateTimeOffset reuseUntil, TenantEnvelopeWriter writer)
        {
            Key = key;
            _header = header;
            _sealed = sealedParts;
            _ivLength = (ushort)ivLength;
            _tagLength = (ushort)tagLength;
            _token = new WeakReference<string>(token);
            ReuseUntil = reuseUntil;
            Writer = writer;
        }

        public EnvelopeCacheKey Key { get; }

        public DateTimeOffset ReuseUntil { get; }

        public TenantEnvelopeWriter Writer { get; }

        /// <summary>
        /// The envelope in its binary form, or null when <paramref name="token"/> is not a compact <c>dir</c> JWE whose parts
        /// give back exactly <paramref name="token"/> (then it is not cached). <paramref name="sharedHeader"/>: the header
        /// string of the last entry, reused when equal (and replaced otherwise).
        /// </summary>
        public static CachedEnvelope? TryCreate(EnvelopeCacheKey key, string token, DateTimeOffset reuseUntil, TenantEnvelopeWriter writer, ref string? sharedHeader)
        {
            // header . (empty encrypted key: alg=dir) . iv . ciphertext . tag
            var span = token.AsSpan();
            Span<Range> parts = stackalloc Range[6];
            if (span.Split(parts, '.') != 5 || span[parts[1]].Length != 0 || span[parts[0]].Length == 0)
            {
                return null;
            }

            var iv = span[parts[2]];
            var ciphertext = span[parts[3]];
            var tag = span[parts[4]];
            if (!Base64Url.IsValid(iv, out var ivLength) || !Base64Url.IsValid(ciphertext, out var ciphertextLength) || !Base64Url.IsValid(tag, out var tagLength)
                || ivLength > ushort.MaxValue || tagLength > ushort.MaxValue)
            {
                return null;
            }

            var bytes = new byte[ivLength + ciphertextLength + tagLength];
            if (Base64Url.DecodeFromChars(iv, bytes) != ivLength
                || Base64Url.DecodeFromChars(ciphertext, bytes.AsSpan(ivLength)) != ciphertextLength
                || Base64Url.DecodeFromChars(tag, bytes.AsSpan(ivLength + ciphertextLength)) != tagLength)
            {
                return null;
            }

            var seen = Volatile.Read(ref sharedHeader);
            var header = seen is not null && span[parts[0]].SequenceEqual(seen) ? seen : token[parts[0]];
            var created = new CachedEnvelope(key, header, bytes, ivLength, tagLength, token, reuseUntil, writer);

            // Kept only if its binary form gives back exactly the header value backends received (a non-canonical
            // base64url character would not survive the round trip).
            if (!string.Equals(created.Rebuild(), token, StringComparison.Ordinal))
            {
                return null;
            }

            if (!ReferenceEquals(header, seen))
            {
                Volatile.Write(ref sharedHeader, header);
            }

            return created;
        }

        /// <summary>The header value: the string still alive since its last use, or the same text again from the binary form.</summary>
        public string Token
        {
            get
            {
                if (_token.TryGetTarget(out var token))
                {
                    return token;
                }

                token = Rebuild();
                _token.SetTarget(token);
                return token;
            }
        }

        /// <summary>The credential set's secrets, decrypted from this envelope with the key it was written with.</summary>
        public (string SecretAccessKey, string SessionToken) Unseal() => Writer.ReadCredentials(Token);

        private string Rebuild()
        {
            var sealedParts = _sealed.AsSpan();
            var ciphertextLength = sealedParts.Length - _ivLength - _tagLength;
            var length = _header.Length + 2 + Base64Url.GetEncodedLength(_ivLength) + 1 + Base64Url.GetEncodedLength(ciphertextLength) + 1 + Base64Url.GetEncodedLength(_tagLength);
            return string.Create(length, this, static (chars, self) =>
            {
                var bytes = self._sealed.AsSpan();
                var ivLength = self._ivLength;
                var tagLength = self._tagLength;
                self._header.CopyTo(chars);
                var at = self._header.Length;
                chars[at++] = '.';
                chars[at++] = '.';
                at += Base64Url.EncodeToChars(bytes[..ivLength], chars[at..]);
                chars[at++] = '.';
                at += Base64Url.EncodeToChars(bytes[ivLength..^tagLength], chars[at..]);
                chars[at++] = '.';
                Base64Url.EncodeToChars(bytes[^tagLength..], chars[at..]);
            });
        }

        public override string ToString() => $"CachedEnvelope {{ ReuseUntil = {ReuseUntil:O}, Token = [redacted] }}";
    }
}
