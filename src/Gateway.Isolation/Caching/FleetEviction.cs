using System.Text.Json;
using Gateway.Isolation.Configuration;
using StackExchange.Redis;

namespace Gateway.Isolation.Caching;

/// <summary>
/// What <c>evict</c> does: remove the user's entries from L2, tell every instance through the backplane to drop them
/// from L1, wait for each subscribed instance to confirm, then remove from L2 once more (an instance may have written
/// an answer it looked up before the revocation). Throws <see cref="RedisException"/> when Redis is unreachable.
/// </summary>
public static class FleetEviction
{
    /// <summary>Evicts <paramref name="userId"/> (in <paramref name="organizationId"/> when given) from L2 and every instance.</summary>
    public static async Task<FleetEvictionResult> EvictAsync(SharedCacheOptions options, string userId, string? organizationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Configure(options, abortOnConnectFail: true)).ConfigureAwait(false);
        var prefix = options.KeyPrefix;
        var removed = await RemoveAsync(redis, prefix, userId, organizationId).ConfigureAwait(false);

        var id = Guid.NewGuid().ToString("N");
        var confirmed = 0;
        var expected = long.MaxValue;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscriber = redis.GetSubscriber();
        var ackChannel = RedisChannel.Literal(prefix + SharedCacheKeys.EvictAckChannel);
        await subscriber.SubscribeAsync(ackChannel, (_, message) =>
        {
            if (message == id && Interlocked.Increment(ref confirmed) >= Volatile.Read(ref expected))
            {
                done.TrySetResult();
            }
        }).ConfigureAwait(false);

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

        await subscriber.UnsubscribeAsync(ackChannel).ConfigureAwait(false);
        removed += await RemoveAsync(redis, prefix, userId, organizationId).ConfigureAwait(false);
        return new FleetEvictionResult(removed, (int)receivers, Math.Min(Volatile.Read(ref confirmed), (int)receivers));
    }

    private static async Task<int> RemoveAsync(ConnectionMultiplexer redis, string prefix, string userId, string? organizationId)
    {
        var database = redis.GetDatabase();
        var removed = 0;
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            foreach (var pattern in SharedCacheKeys.UserPatterns(userId, organizationId))
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
