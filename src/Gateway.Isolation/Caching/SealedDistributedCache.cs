using System.Security.Cryptography;
using System.Text;
using Gateway.Isolation.Configuration;
using Microsoft.Extensions.Caching.Distributed;

namespace Gateway.Isolation.Caching;

/// <summary>
/// An <see cref="IDistributedCache"/> decorator that seals every value with AES-256-GCM before it reaches the inner
/// cache (Redis) and opens it on the way back. Layout: <c>0x01 | key-id length | key id | nonce (12) | tag (16) | ciphertext</c>.
/// The associated data is the full Redis key — the fleet's key prefix (<c>SharedCache:KeyPrefix</c>, which the inner
/// <c>RedisCache</c> adds as its instance name) and the cache key — so an entry copied under another key (another
/// organization) or under another prefix (another fleet sharing the Redis and the sealing key) fails authentication. An entry that cannot be opened (tampered, unknown key id, wrong format) reads as a miss and logs a
/// warning naming the key id only — never an error to the caller, never key material. Every seal and open uses its own
/// <see cref="AesGcm"/> instance: an instance is not safe for concurrent use, and two concurrent seals on one could reuse
/// a nonce (which would let a reader of Redis forge entries).
/// </summary>
internal sealed partial class SealedDistributedCache : IDistributedCache, IDisposable
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly IDistributedCache _inner;
    private readonly ILogger _logger;
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);
    private readonly string _activeKeyId;
    private readonly byte[] _activeKeyIdBytes;
    private readonly string _keyPrefix;

    /// <param name="keyPrefix">The prefix the inner cache puts in front of every key in Redis; part of the associated data.</param>
    public SealedDistributedCache(IDistributedCache inner, SharedCacheSealingOptions sealing, string keyPrefix, ILogger<SealedDistributedCache> logger)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(sealing);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        _inner = inner;
        _keyPrefix = keyPrefix;
        _logger = logger;
        foreach (var (id, material) in sealing.Keys)
        {
            var keyBytes = Convert.FromBase64String(material);
            using (new AesGcm(keyBytes, TagSize))
            {
                // Validates the key size at construction, as before.
            }

            _keys[id] = keyBytes;
        }

        _activeKeyId = sealing.ActiveKeyId ?? throw new ArgumentException("A sealing key id is required.", nameof(sealing));
        if (!_keys.ContainsKey(_activeKeyId))
        {
            throw new ArgumentException("The active sealing key id names no key.", nameof(sealing));
        }

        _activeKeyIdBytes = Encoding.ASCII.GetBytes(_activeKeyId);
    }

    public byte[]? Get(string key) => Open(key, _inner.Get(key));

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        => Open(key, await _inner.GetAsync(key, token).ConfigureAwait(false));

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => _inner.Set(key, Seal(key, value), options);

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        => _inner.SetAsync(key, Seal(key, value), options, token);

    public void Refresh(string key) => _inner.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) => _inner.RefreshAsync(key, token);

    public void Remove(string key) => _inner.Remove(key);

    public Task RemoveAsync(string key, CancellationToken token = default) => _inner.RemoveAsync(key, token);

    internal byte[] Seal(string key, byte[] plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var header = 2 + _activeKeyIdBytes.Length;
        var sealedValue = new byte[header + NonceSize + TagSize + plaintext.Length];
        sealedValue[0] = Version;
        sealedValue[1] = (byte)_activeKeyIdBytes.Length;
        _activeKeyIdBytes.CopyTo(sealedValue, 2);
        var nonce = sealedValue.AsSpan(header, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_keys[_activeKeyId], TagSize);
        aes.Encrypt(
            nonce,
            plaintext,
            sealedValue.AsSpan(header + NonceSize + TagSize),
            sealedValue.AsSpan(header + NonceSize, TagSize),
            AssociatedData(key));
        return sealedValue;
    }

    internal byte[]? Open(string key, byte[]? sealedValue)
    {
        if (sealedValue is null)
        {
            return null;
        }

        if (sealedValue.Length < 2 || sealedValue[0] != Version || sealedValue.Length < 2 + sealedValue[1] + NonceSize + TagSize)
        {
            Log.Unreadable(_logger, key, "unknown format");
            return null;
        }

        var header = 2 + sealedValue[1];
        var keyId = Encoding.ASCII.GetString(sealedValue, 2, sealedValue[1]);
        if (!_keys.TryGetValue(keyId, out var keyBytes))
        {
            Log.Unreadable(_logger, key, "unknown sealing key id");
            return null;
        }

        var plaintext = new byte[sealedValue.Length - header - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(keyBytes, TagSize);
            aes.Decrypt(
                sealedValue.AsSpan(header, NonceSize),
                sealedValue.AsSpan(header + NonceSize + TagSize),
                sealedValue.AsSpan(header + NonceSize, TagSize),
                plaintext,
                AssociatedData(key));
        }
        catch (AuthenticationTagMismatchException)
        {
            Log.Unreadable(_logger, key, $"authentication failed (key id {keyId})");
            return null;
        }

        return plaintext;
    }

    /// <summary>The full Redis key: the prefix, then the key (what <c>RedisCache</c> writes under).</summary>
    private byte[] AssociatedData(string key) => Encoding.UTF8.GetBytes(_keyPrefix + key);

    public void Dispose()
    {
        foreach (var keyBytes in _keys.Values)
        {
            CryptographicOperations.ZeroMemory(keyBytes);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Shared cache entry {CacheKey} could not be opened ({Reason}); treated as a miss")]
        public static partial void Unreadable(ILogger logger, string cacheKey, string reason);
    }
}
