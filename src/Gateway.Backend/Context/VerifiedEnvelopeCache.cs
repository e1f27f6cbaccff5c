using Gateway.Envelopes;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Gateway.Backend.Context;

/// <summary>
/// Remembers envelopes that passed <see cref="TenantEnvelopeReader.Read"/> by their exact bytes, so the steady state (the
/// gateway reuses one envelope per credential set) does no decryption or MAC check. An entry lives until the envelope's
/// <c>exp</c> without clock skew, or its credentials' expiration if earlier (<see cref="EnvelopeReadResult.ExpiresAt"/>),
/// read from <see cref="TimeProvider"/>; then the envelope is verified from scratch. Only successes are cached; an
/// envelope differing in one byte (tampered, or sealed with another key) is a different key and is verified in full.
/// At most <see cref="TenantContextOptions.EnvelopeCacheSize"/> entries (0 turns the cache off). Thread-safe.
/// </summary>
internal sealed class VerifiedEnvelopeCache : IDisposable
{
    private readonly TenantEnvelopeReader _reader;
    private readonly TimeProvider _time;
    private readonly MemoryCache? _cache;

    public VerifiedEnvelopeCache(TenantEnvelopeReader reader, IOptions<TenantContextOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _reader = reader;
        _time = time;
        if (options.Value.EnvelopeCacheSize > 0)
        {
            _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.EnvelopeCacheSize, CompactionPercentage = 0.25 });
        }
    }

    /// <summary>The cached result for exactly these bytes while it is valid, else <see cref="TenantEnvelopeReader.Read"/>'s.</summary>
    public EnvelopeReadResult Read(string? token)
    {
        if (_cache is null || string.IsNullOrEmpty(token) || token.Length > TenantEnvelopeReader.MaxEnvelopeLength)
        {
            return _reader.Read(token);
        }

        if (_cache.TryGetValue(token, out var value) && value is Entry entry)
        {
            if (_time.GetUtcNow() < entry.ExpiresAt)
            {
                return entry.Result;
            }

            _cache.Remove(token);
        }

        var result = _reader.Read(token);
        if (result is { Succeeded: true, ExpiresAt: { } expiresAt })
        {
            var remaining = expiresAt - _time.GetUtcNow();
            if (remaining > TimeSpan.Zero)
            {
                _cache.Set(token, new Entry(result, expiresAt), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = remaining });
            }
        }

        return result;
    }

    public void Dispose() => _cache?.Dispose();

    private sealed record Entry(EnvelopeReadResult Result, DateTimeOffset ExpiresAt);
}
