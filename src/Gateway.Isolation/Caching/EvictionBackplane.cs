using System.Text.Json;
using Gateway.Policies;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Gateway.Isolation.Caching;

/// <summary>
/// Subscribes the instance to the eviction channel (<c>{prefix}evict</c>): a message drops the organization's record
/// (every organization's when the message names none), the user's memberships and per-user credentials from this
/// instance's L1 — with no user, every membership and every credential set of the organization it names — and waits
/// for its writes to L2 that were under way, then the instance confirms on
/// <c>{prefix}evict-ack</c>, so <c>evict</c> returns only once every subscribed instance has dropped them. While Redis is
/// unreachable it keeps trying to subscribe (the client re-subscribes by itself after a reconnect). The same subscription
/// carries <c>{prefix}credentials-rejected</c>: a credential set the data store rejected (reported to one instance by its
/// backend) is dropped on every instance that still holds it (<see cref="ICredentialRejectionListener"/>); no confirmation.
/// </summary>
/// <param name="caches">The caches to drop the user from, in order: the organization's record first (a request that finds the
/// user's generation moved reads it again, so it must be gone by then), memberships next, per-user credentials last.</param>
/// <param name="rejections">Who drops a rejected credential set (the credential cache); none: the channel is not subscribed.</param>
internal sealed partial class EvictionBackplane(
    RedisConnection connection, IEnumerable<IUserEviction> caches, TimeProvider time, ILogger<EvictionBackplane> logger, IEnumerable<ICredentialRejectionListener>? rejections = null)
    : BackgroundService
{
    /// <summary>Longest permission-set name, policy digest and access key id a rejection message may carry.</summary>
    private const int MaxFieldLength = 128;

    private readonly ICredentialRejectionListener[] _rejections = rejections?.ToArray() ?? [];

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    /// <summary>Longest start-up wait for the first Redis connection (then the instance starts anyway and keeps trying).</summary>
    private static readonly TimeSpan ConnectWait = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Opens the Redis connection before the server takes requests (at most <see cref="ConnectWait"/>), so the first
    /// requests find L2 ready instead of tripping its circuit on the connection set-up.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await connection.GetAsync().WaitAsync(ConnectWait, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.SubscribeFailed(logger, ex.GetType().Name);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var redis = await connection.GetAsync().ConfigureAwait(false);
                var subscriber = redis.GetSubscriber();
                await subscriber.SubscribeAsync(connection.Channel(SharedCacheKeys.EvictChannel), (channel, message) => _ = ApplyAsync(subscriber, message)).ConfigureAwait(false);
                if (_rejections.Length > 0)
                {
                    await subscriber.SubscribeAsync(connection.Channel(SharedCacheKeys.CredentialsRejectedChannel), (channel, message) => ApplyRejection(message)).ConfigureAwait(false);
                }

                Log.Subscribed(logger);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                Log.SubscribeFailed(logger, ex.GetType().Name);
            }

            try
            {
                await Task.Delay(RetryInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ApplyAsync(ISubscriber subscriber, RedisValue message)
    {
        EvictionMessage? eviction = null;
        try
        {
            eviction = JsonSerializer.Deserialize((byte[])message!, SharedCacheJsonContext.Default.EvictionMessage);
        }
        catch (JsonException)
        {
        }

        // The message comes from Redis, not from a validated token: its user id must pass the claim rule before it is
        // used or logged, and its organization must be an OrganizationId (the same rule as the keys it would match). No
        // user means the whole organization, which must then be named (never "everything of everyone").
        if (eviction is null || (eviction.UserId is null ? eviction.OrganizationId is null : !UserIds.IsValid(eviction.UserId))
            || string.IsNullOrEmpty(eviction.Id) || eviction.Id.Length > 64
            || (eviction.OrganizationId is not null && !OrganizationId.TryParse(eviction.OrganizationId, out _)))
        {
            Log.Malformed(logger);
            return;
        }

        // In order (see the constructor); each completes only once its L2 writes under way are done, so none lands after
        // evict's final removal. Only then confirm.
        var removed = 0;
        foreach (var cache in caches)
        {
            removed += await cache.EvictAsync(eviction.UserId, eviction.OrganizationId).ConfigureAwait(false);
        }

        Log.Evicted(logger, eviction.UserId ?? "*", eviction.OrganizationId ?? "*", removed);
        _ = subscriber.PublishAsync(connection.Channel(SharedCacheKeys.EvictAckChannel), eviction.Id, CommandFlags.FireAndForget);
    }

    private void ApplyRejection(RedisValue message)
    {
        CredentialsRejectedMessage? rejection = null;
        try
        {
            rejection = JsonSerializer.Deserialize((byte[])message!, SharedCacheJsonContext.Default.CredentialsRejectedMessage);
        }
        catch (JsonException)
        {
        }

        // From Redis, not from a validated source: every field must pass the rule of the keys it selects, so a message can
        // only ever name one existing cache key and one access key id (it never widens what is dropped).
        if (rejection is null
            || !OrganizationId.TryParse(rejection.OrganizationId, out _)
            || (rejection.UserId is not null && !UserIds.IsValid(rejection.UserId))
            || !IsField(rejection.PermissionSet) || !IsField(rejection.PolicyDigest) || !IsField(rejection.AccessKeyId)
            || (rejection.Shards is { } shards && !ShardCount.IsValid(shards)))
        {
            Log.Malformed(logger);
            return;
        }

        foreach (var listener in _rejections)
        {
            listener.OnCredentialsRejected(rejection);
        }
    }

    private static bool IsField(string? value) => !string.IsNullOrEmpty(value) && value.Length <= MaxFieldLength;

    private static partial class Log
    {
        [LoggerMessage(EventId = 3110, Level = LogLevel.Information, Message = "Subscribed to the shared cache eviction channel")]
        public static partial void Subscribed(ILogger logger);

        [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "Could not subscribe to the shared cache eviction channel ({ExceptionType}); retrying")]
        public static partial void SubscribeFailed(ILogger logger, string exceptionType);

        [LoggerMessage(EventId = 3112, Level = LogLevel.Information, Message = "Evicted user {UserId} in organization {OrganizationId}: {Removed} local cache entries dropped")]
        public static partial void Evicted(ILogger logger, string userId, string organizationId, int removed);

        [LoggerMessage(EventId = 3113, Level = LogLevel.Warning, Message = "Ignored a malformed eviction message")]
        public static partial void Malformed(ILogger logger);
    }
}
