using Gateway.Isolation.Configuration;
using StackExchange.Redis;

namespace Gateway.Isolation.Caching;

/// <summary>
/// The one Redis connection of an instance (L2, lock and backplane share it), opened on first use. It never fails
/// start-up or a request: an unreachable Redis leaves it reconnecting in the background while operations fail fast
/// (no command backlog) and the callers fall back to L1 + STS.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _connection;

    public RedisConnection(SharedCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Prefix = options.KeyPrefix;
        var configuration = Configure(options, abortOnConnectFail: false);
        _connection = new Lazy<Task<IConnectionMultiplexer>>(async () => await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false));
    }

    /// <summary>The configured key and channel prefix.</summary>
    public string Prefix { get; }

    public Task<IConnectionMultiplexer> GetAsync() => _connection.Value;

    public RedisChannel Channel(string name) => RedisChannel.Literal(Prefix + name);

    /// <summary>Client settings for the gateway (<paramref name="abortOnConnectFail"/> false) and for the evict command (true: fail with one line).</summary>
    public static ConfigurationOptions Configure(SharedCacheOptions options, bool abortOnConnectFail)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = ConfigurationOptions.Parse(options.Redis!);
        // The gateway waits at most OperationTimeout per operation; the evict command is no hot path and waits longer.
        var timeout = (int)Math.Max(abortOnConnectFail ? 5000 : 50, options.OperationTimeout.TotalMilliseconds);
        configuration.AbortOnConnectFail = abortOnConnectFail;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = Math.Max(timeout, 1000);
        configuration.SyncTimeout = timeout;
        configuration.AsyncTimeout = timeout;
        configuration.ConnectRetry = abortOnConnectFail ? 1 : configuration.ConnectRetry;
        configuration.ReconnectRetryPolicy = new LinearRetry(500);
        configuration.ClientName ??= "tenant-gateway";
        return configuration;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            await _connection.Value.Result.DisposeAsync().ConfigureAwait(false);
        }
    }
}
