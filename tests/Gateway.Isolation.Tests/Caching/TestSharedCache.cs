using System.Security.Cryptography;
using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Isolation.Tests.Caching;

/// <summary>One simulated Redis (values + lock) and the <see cref="SharedCache"/> each instance of a test fleet builds over it.</summary>
internal sealed class TestSharedCache : IDisposable
{
    private readonly List<SealedDistributedCache> _sealed = [];

    public FakeDistributedCache Redis { get; } = new();

    public FakeFleetLock Lock { get; } = new();

    public SharedCacheOptions Options { get; } = new()
    {
        Redis = "127.0.0.1:1",
        Sealing = new SharedCacheSealingOptions { ActiveKeyId = "k1", Keys = { ["k1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) } },
    };

    public SharedCache For(TimeProvider time, IsolationMetrics metrics, IFleetAnnouncer? announcer = null)
    {
        var sealedCache = new SealedDistributedCache(Redis, Options.Sealing, Options.KeyPrefix, NullLogger<SealedDistributedCache>.Instance);
        _sealed.Add(sealedCache);
        return new SharedCache(sealedCache, Lock, Options, time, metrics, NullLogger<SharedCache>.Instance, announcer);
    }

    public void Dispose()
    {
        foreach (var cache in _sealed)
        {
            cache.Dispose();
        }
    }
}
