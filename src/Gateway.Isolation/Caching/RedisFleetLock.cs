namespace Gateway.Isolation.Caching;

/// <summary><see cref="IFleetLock"/> on Redis: <c>SET key token NX PX lease</c>, released only by its token.</summary>
internal sealed class RedisFleetLock(RedisConnection connection) : IFleetLock
{
    public async Task<bool> TryTakeAsync(string key, string token, TimeSpan lease, CancellationToken cancellationToken)
    {
        var redis = await connection.GetAsync().ConfigureAwait(false);
        return await redis.GetDatabase().LockTakeAsync(connection.Prefix + key, token, lease).ConfigureAwait(false);
    }

    public async Task ReleaseAsync(string key, string token, CancellationToken cancellationToken)
    {
        var redis = await connection.GetAsync().ConfigureAwait(false);
        await redis.GetDatabase().LockReleaseAsync(connection.Prefix + key, token).ConfigureAwait(false);
    }
}
