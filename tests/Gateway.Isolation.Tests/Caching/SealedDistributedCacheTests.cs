using System.Security.Cryptography;
using System.Text;
using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Isolation.Tests.Caching;

public sealed class SealedDistributedCacheTests : IDisposable
{
    private static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("{\"SecretAccessKey\":\"wJalrXUtnFEMI-very-secret\"}");
    private readonly FakeDistributedCache _redis = new();
    private readonly List<SealedDistributedCache> _caches = [];

    private SealedDistributedCache Create(string activeKeyId, params (string Id, string Key)[] keys) => CreateWithPrefix("gateway:", activeKeyId, keys);

    private SealedDistributedCache CreateWithPrefix(string keyPrefix, string activeKeyId, params (string Id, string Key)[] keys)
    {
        var sealing = new SharedCacheSealingOptions { ActiveKeyId = activeKeyId };
        foreach (var (id, key) in keys)
        {
            sealing.Keys[id] = key;
        }

        var cache = new SealedDistributedCache(_redis, sealing, keyPrefix, NullLogger<SealedDistributedCache>.Instance);
        _caches.Add(cache);
        return cache;
    }

    [Fact]
    public async Task SetThenGet_SameKey_ReturnsPlaintextAndStoresNoPlaintext()
    {
        var cache = Create("k1", ("k1", KeyA));

        await cache.SetAsync("c:acme:read-write:-", Secret, new());
        var read = await cache.GetAsync("c:acme:read-write:-");

        Assert.Equal(Secret, read);
        var stored = _redis.Values["c:acme:read-write:-"];
        Assert.DoesNotContain("wJalrXUtnFEMI", Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
    }

    [Fact]
    public void SealAndOpen_ManyThreadsAtOnce_EveryEntryOpensAndNoNonceRepeats()
    {
        // One shared AesGcm is not safe for concurrent use: concurrent seals could reuse a nonce or garble an entry.
        var cache = Create("k1", ("k1", KeyA));
        var nonces = new System.Collections.Concurrent.ConcurrentDictionary<string, byte>();
        var failures = 0;

        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var key = $"c:org{i % 50}:read-write:-";
            var plaintext = Encoding.UTF8.GetBytes($"{{\"n\":{i}}}");
            var sealedValue = cache.Seal(key, plaintext);
            nonces.TryAdd(Convert.ToHexString(sealedValue, 2 + 2, 12), 0); // header: version, id length, "k1"
            if (cache.Open(key, sealedValue) is not { } opened || !opened.AsSpan().SequenceEqual(plaintext))
            {
                Interlocked.Increment(ref failures);
            }
        });

        Assert.Equal(0, failures);
        Assert.Equal(20_000, nonces.Count);
    }

    [Fact]
    public async Task Get_EntryCopiedUnderAnotherOrganizationsKey_IsAMiss()
    {
        var cache = Create("k1", ("k1", KeyA));
        await cache.SetAsync("c:acme:read-write:-", Secret, new());
        _redis.Values["c:globex:read-write:-"] = _redis.Values["c:acme:read-write:-"];

        Assert.Null(await cache.GetAsync("c:globex:read-write:-"));
        Assert.NotNull(await cache.GetAsync("c:acme:read-write:-")); // the twin: under its own key it opens
    }

    [Fact]
    public async Task Get_EntryCopiedUnderAnotherKeyPrefix_IsAMissWithAWarning()
    {
        // The fake holds keys as the inner cache receives them (RedisCache adds the prefix): the same key read by a fleet
        // with another prefix is exactly an entry copied from gateway:… to other:… in Redis.
        var gateway = CreateWithPrefix("gateway:", "k1", ("k1", KeyA));
        var logs = new CapturingLogger();
        var sealing = new SharedCacheSealingOptions { ActiveKeyId = "k1", Keys = { ["k1"] = KeyA } };
        using var other = new SealedDistributedCache(_redis, sealing, "other:", logs);
        await gateway.SetAsync("c:acme:read-write:-", Secret, new());

        Assert.Null(await other.GetAsync("c:acme:read-write:-"));
        Assert.Contains(logs.Messages, m => m.Contains("c:acme:read-write:- could not be opened (authentication failed", StringComparison.Ordinal));
        Assert.Equal(Secret, await CreateWithPrefix("gateway:", "k1", ("k1", KeyA)).GetAsync("c:acme:read-write:-")); // the twin: same prefix opens
    }

    [Fact]
    public async Task Get_TamperedCiphertext_IsAMissNotAnError()
    {
        var cache = Create("k1", ("k1", KeyA));
        await cache.SetAsync("m:alice:acme", Secret, new());
        var stored = _redis.Values["m:alice:acme"];
        stored[^1] ^= 0x01;

        Assert.Null(await cache.GetAsync("m:alice:acme"));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 1 })]
    [InlineData(new byte[] { 2, 2, (byte)'k', (byte)'1' })]
    [InlineData(new byte[] { 1, 200, 0, 0 })]
    public async Task Get_GarbageValue_IsAMiss(byte[] garbage)
    {
        var cache = Create("k1", ("k1", KeyA));
        _redis.Values["m:alice:acme"] = garbage;

        Assert.Null(await cache.GetAsync("m:alice:acme"));
    }

    [Fact]
    public async Task Get_SealedWithUnknownKeyId_IsAMiss()
    {
        var writer = Create("old", ("old", KeyA));
        await writer.SetAsync("m:alice:acme", Secret, new());
        var reader = Create("new", ("new", KeyB));

        Assert.Null(await reader.GetAsync("m:alice:acme"));
    }

    [Fact]
    public async Task Get_AfterRotation_OldEntriesStillOpenWhileTheOldKeyIsListed()
    {
        var before = Create("old", ("old", KeyA));
        await before.SetAsync("m:alice:acme", Secret, new());
        var after = Create("new", ("old", KeyA), ("new", KeyB));

        Assert.Equal(Secret, await after.GetAsync("m:alice:acme"));
        await after.SetAsync("m:bob:acme", Secret, new());
        Assert.Null(await before.GetAsync("m:bob:acme")); // sealed with the new key, which the old instance lacks
    }

    [Fact]
    public async Task Get_SameIdDifferentKeyMaterial_IsAMiss()
    {
        var writer = Create("k1", ("k1", KeyA));
        await writer.SetAsync("m:alice:acme", Secret, new());
        var reader = Create("k1", ("k1", KeyB));

        Assert.Null(await reader.GetAsync("m:alice:acme"));
    }

    [Fact]
    public void ToString_SealingOptions_ShowsNoKeyMaterial()
    {
        var sealing = new SharedCacheSealingOptions { ActiveKeyId = "k1", Keys = { ["k1"] = KeyA } };

        Assert.DoesNotContain(KeyA, sealing.ToString(), StringComparison.Ordinal);
        Assert.Contains("k1", sealing.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var cache in _caches)
        {
            cache.Dispose();
        }
    }

    private sealed class CapturingLogger : ILogger<SealedDistributedCache>
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Messages { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Messages.Enqueue(formatter(state, exception));
    }
}
