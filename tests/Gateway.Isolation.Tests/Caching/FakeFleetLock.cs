using System.Collections.Concurrent;
using Gateway.Isolation.Caching;

namespace Gateway.Isolation.Tests.Caching;

/// <summary>An in-memory fleet lock (leases never expire); can fail like an unreachable lock tier.</summary>
internal sealed class FakeFleetLock : IFleetLock
{
    private readonly ConcurrentDictionary<string, string> _holders = new(StringComparer.Ordinal);
    private int _taken;

    public bool Fail { get; set; }

    public int Taken => Volatile.Read(ref _taken);

    public Task<bool> TryTakeAsync(string key, string token, TimeSpan lease, CancellationToken cancellationToken)
    {
        if (Fail)
        {
            return Task.FromException<bool>(new TimeoutException("lock tier down"));
        }

        var taken = _holders.TryAdd(key, token);
        if (taken)
        {
            Interlocked.Increment(ref _taken);
        }

        return Task.FromResult(taken);
    }

    public Task ReleaseAsync(string key, string token, CancellationToken cancellationToken)
    {
        _holders.TryRemove(new KeyValuePair<string, string>(key, token));
        return Task.CompletedTask;
    }
}
