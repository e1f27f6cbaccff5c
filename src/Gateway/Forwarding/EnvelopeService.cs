using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using Gateway.Configuration;
using Gateway.Envelopes;
using Microsoft.Extensions.Options;

namespace Gateway.Forwarding;

/// <summary>
/// Writes <c>X-Tenant-Context</c> with one <see cref="TenantEnvelopeWriter"/> per cluster (its current key; audience =
/// cluster id). Unless <see cref="ForwardingOptions.EnvelopePerRequest"/> is set, an envelope is written once per
/// (credential generation, user, role, cluster) and reused until it nears expiry, so the hot path does no crypto.
/// </summary>
internal sealed class EnvelopeService
{
    private readonly FrozenDictionary<string, TenantEnvelopeWriter> _writers;
    private readonly ConditionalWeakTable<Credentials.ScopedCredentials, ConcurrentDictionary<EnvelopeCacheKey, CachedEnvelope>> _cache = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly TimeSpan _reuseMargin;
    private readonly bool _perRequest;
    private readonly int _maxPerCredential;

    public EnvelopeService(IOptions<TenantIsolationOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _time = time;
        _lifetime = o.Forwarding.EnvelopeLifetime;
        _reuseMargin = TimeSpan.FromTicks(Math.Max(_lifetime.Ticks / 5, TimeSpan.FromSeconds(5).Ticks));
        _perRequest = o.Forwarding.EnvelopePerRequest;
        _maxPerCredential = o.Cache.EnvelopesPerCredential;
        var writers = new Dictionary<string, TenantEnvelopeWriter>(StringComparer.OrdinalIgnoreCase);
        foreach (var (cluster, envelope) in o.Envelopes)
        {
            if (envelope.Current is { KeyId: { Length: > 0 } keyId, Key: { Length: > 0 } key })
            {
                writers[cluster] = new TenantEnvelopeWriter(EnvelopeKey.FromBase64(keyId, key), o.Forwarding.EnvelopeIssuer, time);
            }
        }

        _writers = writers.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public bool HasKeyFor(string clusterId) => _writers.ContainsKey(clusterId);

    /// <summary>The envelope for this request, or null when the cluster has no key (the caller fails closed).</summary>
    public string? GetEnvelope(TenantForwardingFeature tenant, string clusterId, string requestId)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (!_writers.TryGetValue(clusterId, out var writer))
        {
            return null;
        }

        if (_perRequest || _maxPerCredential == 0)
        {
            return Write(writer, tenant, clusterId, requestId);
        }

        var perCredential = _cache.GetValue(tenant.Credentials, static _ => new ConcurrentDictionary<EnvelopeCacheKey, CachedEnvelope>());
        var key = new EnvelopeCacheKey(tenant.UserId, tenant.Role, clusterId);
        var now = _time.GetUtcNow();
        if (perCredential.TryGetValue(key, out var cached) && now < cached.ReuseUntil)
        {
            return cached.Token;
        }

        var token = Write(writer, tenant, clusterId, requestId);
        var expires = Min(now + _lifetime, tenant.Credentials.Expiration);
        if (perCredential.Count < _maxPerCredential || perCredential.ContainsKey(key))
        {
            perCredential[key] = new CachedEnvelope(token, expires - _reuseMargin);
        }

        return token;
    }

    private string Write(TenantEnvelopeWriter writer, TenantForwardingFeature tenant, string clusterId, string requestId)
    {
        var credentials = tenant.Credentials;
        var envelope = new TenantEnvelope
        {
            OrganizationId = tenant.OrganizationId.Value,
            UserId = tenant.UserId,
            Role = tenant.Role,
            RequestId = requestId,
            PermissionSet = tenant.PermissionSet,
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
