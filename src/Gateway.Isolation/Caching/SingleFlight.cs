using System.Collections.Concurrent;

namespace Gateway.Isolation.Caching;

/// <summary>
/// Collapses concurrent loads of the same key into one: the first caller starts the load, later callers await the same
/// task. The load runs detached from any caller's cancellation (a caller that gives up does not fail the others), and
/// the key is forgotten as soon as the load completes, so a failure is never remembered.
/// </summary>
internal sealed class SingleFlight<TKey, TValue>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Task<TValue>> _inflight = new();

    /// <summary>Returns the in-flight load for <paramref name="key"/>, starting <paramref name="load"/> if there is none.</summary>
    /// <param name="started">True when this call started the load.</param>
    public Task<TValue> Run<TState>(TKey key, TState state, Func<TKey, TState, Task<TValue>> load, out bool started)
    {
        ArgumentNullException.ThrowIfNull(load);
        if (_inflight.TryGetValue(key, out var existing))
        {
            started = false;
            return existing;
        }

        var tcs = new TaskCompletionSource<TValue>(TaskCreationOptions.RunContinuationsAsynchronously);
        var winner = _inflight.GetOrAdd(key, tcs.Task);
        if (!ReferenceEquals(winner, tcs.Task))
        {
            started = false;
            return winner;
        }

        started = true;
        _ = RunAsync(key, state, load, tcs);
        return tcs.Task;
    }

    private async Task RunAsync<TState>(TKey key, TState state, Func<TKey, TState, Task<TValue>> load, TaskCompletionSource<TValue> tcs)
    {
        TValue value;
        try
        {
            await Task.Yield();
            value = await load(key, state).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the exception is handed to every waiter through the task
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // Forget the key before completing, so a caller arriving after the failure starts a fresh load.
            _inflight.TryRemove(new KeyValuePair<TKey, Task<TValue>>(key, tcs.Task));
            tcs.TrySetException(ex);
            return;
        }

        _inflight.TryRemove(new KeyValuePair<TKey, Task<TValue>>(key, tcs.Task));
        tcs.TrySetResult(value);
    }
}
