using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;

namespace Gateway.Isolation.Tests.Caching;

/// <summary>A Redis stand-in shared by several cache instances (one "fleet"): raw values by key; can fail or hang like an unreachable Redis.</summary>
internal sealed class FakeDistributedCache : IDistributedCache
{
    private int _calls;

    public ConcurrentDictionary<string, byte[]> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>The absolute expiration each key was last written with (what Redis would turn into the key's TTL).</summary>
    public ConcurrentDictionary<string, DateTimeOffset?> Expirations { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, every operation throws it.</summary>
    public Exception? FailWith { get; set; }

    /// <summary>When true, every operation waits until cancelled (a Redis that stopped answering).</summary>
    public bool Hang { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>When set, every write waits for this task before it lands (a slow write still on its way to Redis).</summary>
    public Task? SetGate { get; set; }

    public byte[]? Get(string key) => throw new NotSupportedException();

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        await EnterAsync(token);
        return Values.TryGetValue(key, out var value) ? value : null;
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        await EnterAsync(token);
        if (SetGate is { } gate)
        {
            await gate.WaitAsync(token);
        }

        Values[key] = value;
        Expirations[key] = options?.AbsoluteExpiration;
    }

    public void Refresh(string key) => throw new NotSupportedException();

    public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

    public void Remove(string key) => Values.TryRemove(key, out _);

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        await EnterAsync(token);
        Values.TryRemove(key, out _);
    }

    private async Task EnterAsync(CancellationToken token)
    {
        Interlocked.Increment(ref _calls);
        if (FailWith is { } failure)
        {
            throw failure;
        }

        if (Hang)
        {
            await Task.Delay(Timeout.Infinite, token);
        }
    }
}
