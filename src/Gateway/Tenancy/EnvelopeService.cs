using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Runtime.CompilerServices;
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
/// </summary>
internal sealed class EnvelopeService : IEnvelopeService
{
    private readonly FrozenDictionary<string, TenantEnvelopeWriter> _writers;
    private readonly ConditionalWeakTable<ScopedCredentials, ConcurrentDictionary<EnvelopeCacheKey, CachedEnvelope>> _cache = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly TimeSpan _reuseMargin;
    private readonly bool _perRequest;
    private readonly int _maxPerCredential;

    public EnvelopeService(IOptions<ForwardingOptions> forwarding, IOptions<EnvelopeOptions> envelopes, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(forwarding);
        ArgumentNullException.ThrowIfNull(envelopes);
        var o = forwarding.Value;
        _time = time;
        _lifetime = o.EnvelopeLifetime;
        _reuseMargin = TimeSpan.FromTicks(Math.Max(_lifetime.Ticks / 5, TimeSpan.FromSeconds(5).Ticks));
        _perRequest = o.EnvelopePerRequest;
        _maxPerCredential = o.EnvelopesPerCredential;
        var writers = new Dictionary<string, TenantEnvelopeWriter>(StringComparer.OrdinalIgnoreCase);
        foreach (var (cluster, envelope) in envelopes.Value.Clusters)
        {
            if (envelope.Current is { KeyId: { Length: > 0 } keyId, Key: { Length: > 0 } key })
            {
                writers[cluster] = new TenantEnvelopeWriter(EnvelopeKey.FromBase64(keyId, key), o.EnvelopeIssuer, time);
            }
        }

        _writers = writers.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public bool HasKeyFor(string clusterId) => _writers.ContainsKey(clusterId);

    /// <summary>The envelope for this request, or null when the cluster has no key (the caller fails closed).</summary>
    public string? GetEnvelope(TenantIsolationDecision decision, string clusterId, string requestId)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (!decision.IsAllowed)
        {
            throw new ArgumentException("Envelopes are written for allowed decisions only.", nameof(decision));
        }

        if (!_writers.TryGetValue(clusterId, out var writer))
        {
            return null;
        }

        if (_perRequest || _maxPerCredential == 0)
        {
            return Write(writer, decision, clusterId, requestId);
        }

        // One lock and one bucket to start: almost every credential set has one (user, role, cluster) — with the
        // defaults an empty dictionary alone costs ~0.4 KB per cached organization session.
        var perCredential = _cache.GetValue(decision.Credentials, static _ => new ConcurrentDictionary<EnvelopeCacheKey, CachedEnvelope>(concurrencyLevel: 1, capacity: 1));
        var key = new EnvelopeCacheKey(decision.UserId, decision.Role, clusterId);
        var now = _time.GetUtcNow();
        if (perCredential.TryGetValue(key, out var cached) && now < cached.ReuseUntil)
        {
            return cached.Token;
        }

        var token = Write(writer, decision, clusterId, requestId);
        var expires = Min(now + _lifetime, decision.Credentials.Expiration);
        if (perCredential.Count < _maxPerCredential || perCredential.ContainsKey(key))
        {
            perCredential[key] = new CachedEnvelope(token, expires - _reuseMargin);
        }

        return token;
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
        };
        var remaining = credentials.Expiration - _time.GetUtcNow();
        return writer.Write(envelope, clusterId, remaining < _lifetime ? remaining : _lifetime);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private readonly record struct EnvelopeCacheKey(string UserId, string Role, string ClusterId);

    private sealed record CachedEnvelope(string Token, DateTimeOffset ReuseUntil)
    {
        public override string ToString() => $"CachedEnvelope {{ ReuseUntil = {ReuseUntil:O}, Token = [redacted] }}";
    }
}
