using System.Text.Json;
using Gateway.Isolation.Configuration;
using StackExchange.Redis;

namespace Gateway.Isolation.Caching;

/// <summary>
/// What <c>evict</c> does: remove the user's entries from L2, tell every instance through the backplane to drop them
/// from L1, wait for each subscribed instance to confirm, remove from L2 once more (an instance may have written an
/// answer it looked up before the revocation), then tell every instance again and wait (an instance may have copied
/// that answer from L2 before the removal) and remove a last time. With no user, the same for a whole organization: its
/// record, every user's memberships in it and every credential set of it (<c>evict --organization</c>, <c>revoke</c>).
/// Throws <see cref="RedisException"/> when Redis is unreachable.
/// </summary>
public static class FleetEviction
{
    /// <summary>
    /// Evicts <paramref name="userId"/> (in <paramref name="organizationId"/> when given) from L2 and every instance; with
    /// no user, everything of <paramref name="organizationId"/> (one of the two is required).
    /// </summary>
    public static async Task<FleetEvictionResult> EvictAsync(SharedCacheOptions options, string? userId, string? organizationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (userId is null && organizationId is null)
        {
            throw new ArgumentException("An eviction names a user, an organization or both.", nameof(userId));
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Configure(options, abortOnConnectFail: true)).ConfigureAwait(false);
        var prefix = options.KeyPrefix;
        var removed = await RemoveAsync(redis, prefix, userId, organizationId).ConfigureAwait(false);

        // Two rounds. After the first, every instance has dropped the user and waited for its L2 writes under way, and
        // the removal that follows leaves no answer looked up before the revocation in Redis — but an instance that
        // confirmed early may have copied such an answer from L2 into L1 (under its new generation) before a slower
        // instance's write was removed. The second round drops those copies; as Redis holds no old answer any more, no
        // instance can fetch one again, so once both rounds are confirmed nobody admits on the old membership.
        var subscriber = redis.GetSubscriber();
        var first = await BroadcastAsync(subscriber, options, prefix, userId, organizationId, cancellationToken).ConfigureAwait(false);
        removed += await RemoveAsync(redis, prefix, userId, organizationId).ConfigureAwait(false);
        var second = await BroadcastAsync(subscriber, options, prefix, userId, organizationId, cancellationToken).ConfigureAwait(false);
        removed += await RemoveAsync(redis, prefix, userId, organizationId).ConfigureAwait(false);
        // A round not confirmed by all is what is reported (the first one's shortfall wins: an instance that missed it
        // may have written an old answer after the removal).
        var reported = first.Confirmed < first.Instances ? first : second;
        return new FleetEvictionResult(removed, reported.Instances, reported.Confirmed);
    }

    /// <summary>Publishes one eviction and waits (at most <c>EvictTimeout</c>) for every subscribed instance's confirmation.</summary>
    private static async Task<(int Instances, int Confirmed)> BroadcastAsync(ISubscriber subscriber, SharedCacheOptions options, string prefix, string? userId, string? organizationId, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        var confirmed = 0;
        var expected = long.MaxValue;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ackChannel = RedisChannel.Literal(prefix + SharedCacheKeys.EvictAckChannel);
        Action<RedisChannel, RedisValue> onAck = (_, message) =>
        {
            if (message == id && Interlocked.Increment(ref confirmed) >= Volatile.Read(ref expected))
            {
                done.TrySetResult();
            }
        };
        await subscriber.SubscribeAsync(ackChannel, onAck).ConfigureAwait(false);

        var payload = JsonSerializer.SerializeToUtf8Bytes(new EvictionMessage(id, userId, organizationId), SharedCacheJsonContext.Default.EvictionMessage);
        var receivers = await subscriber.PublishAsync(RedisChannel.Literal(prefix + SharedCacheKeys.EvictChannel), payload).ConfigureAwait(false);
        Volatile.Write(ref expected, receivers);
        if (Volatile.Read(ref confirmed) >= receivers)
        {
            done.TrySetResult();
        }

        try
        {
            await done.Task.WaitAsync(options.EvictTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        await subscriber.UnsubscribeAsync(ackChannel, onAck).ConfigureAwait(false);
        return ((int)receivers, Math.Min(Volatile.Read(ref confirmed), (int)receivers));
    }

    private static async Task<int> RemoveAsync(ConnectionMultiplexer redis, string prefix, string? userId, string? organizationId)
    {
        var database = redis.GetDatabase();
        var removed = 0;
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            foreach (var pattern in SharedCacheKeys.EvictionPatterns(userId, organizationId))
            {
                var keys = new List<RedisKey>();
                await foreach (var key in server.KeysAsync(database.Database, prefix + pattern, pageSize: 500).ConfigureAwait(false))
                {
                    keys.Add(key);
                }

                if (keys.Count > 0)
                {
                    removed += (int)await database.KeyDeleteAsync([.. keys]).ConfigureAwait(false);
                }
            }
        }

        return removed;
    }
}

/// <summary>L2 entries removed, instances subscribed to the backplane, and how many of them confirmed in time.</summary>
public readonly record struct FleetEvictionResult(int EntriesRemoved, int Instances, int Confirmed);
