using System.Text.Json;
using StackExchange.Redis;

namespace Gateway.Isolation.Caching;

/// <summary>
/// <see cref="IFleetAnnouncer"/> over the instance's Redis connection: one publish on <c>{prefix}credentials-rejected</c>,
/// the channel <see cref="EvictionBackplane"/> subscribes every instance to. No confirmation is awaited: an instance that
/// misses the notice heals on its own the first time its backend reports the set.
/// </summary>
internal sealed class RedisFleetAnnouncer(RedisConnection connection) : IFleetAnnouncer
{
    public async Task AnnounceAsync(CredentialsRejectedMessage message, CancellationToken cancellationToken)
    {
        var redis = await connection.GetAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var payload = JsonSerializer.SerializeToUtf8Bytes(message, SharedCacheJsonContext.Default.CredentialsRejectedMessage);
        await redis.GetSubscriber().PublishAsync(connection.Channel(SharedCacheKeys.CredentialsRejectedChannel), payload).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
