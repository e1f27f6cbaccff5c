using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using StackExchange.Redis;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// The fleet's AssumeRole budget in Redis: one hash <c>{prefix}sts:budget</c> holding the current second (the Redis
/// server's <c>TIME</c>, so the instances' clocks do not matter) and the calls granted in it; one Lua script per take (one
/// round trip) grants at most what is left of the second's budget. Bounded by <see cref="SharedCacheOptions.OperationTimeout"/>
/// (250 ms by default, the shared cache's budget); after a failure Redis is skipped for <see cref="SharedCacheOptions.BreakDuration"/>
/// and the caller admits its local share (<c>MaxAssumeRolePerSecond / ExpectedInstances</c>).
/// </summary>
internal sealed class RedisStsBudgetStore : IStsBudgetStore
{
    // KEYS[1] budget hash; ARGV[1] want, ARGV[2] limit. Returns { granted, milliseconds until the next second, the second }.
    internal const string Script = """
        local want = tonumber(ARGV[1])
        local limit = tonumber(ARGV[2])
        local t = redis.call('TIME')
        local second = tonumber(t[1])
        local state = redis.call('HMGET', KEYS[1], 's', 'n')
        local used = 0
        if tonumber(state[1]) == second then used = tonumber(state[2]) or 0 end
        local granted = math.max(0, math.min(want, limit - used))
        redis.call('HSET', KEYS[1], 's', second, 'n', used + granted)
        redis.call('PEXPIRE', KEYS[1], 2000)
        return { granted, 1000 - math.floor(tonumber(t[2]) / 1000), second }
        """;

    private readonly RedisConnection _connection;
    private readonly TimeProvider _time;
    private readonly IsolationMetrics _metrics;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _break;
    private long _skipUntilTicks;

    public RedisStsBudgetStore(RedisConnection connection, SharedCacheOptions options, TimeProvider time, IsolationMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        _connection = connection;
        _time = time;
        _metrics = metrics;
        _timeout = options.OperationTimeout;
        _break = options.BreakDuration;
    }

    /// <summary>The Redis key of the budget.</summary>
    public string Key => _connection.Prefix + "sts:budget";

    public async ValueTask<StsBudgetGrant?> TryTakeAsync(int want, int limit)
    {
        if (_time.GetUtcNow().UtcTicks < Volatile.Read(ref _skipUntilTicks))
        {
            return null;
        }

        try
        {
            var result = await EvaluateAsync(want, limit).WaitAsync(_timeout, _time).ConfigureAwait(false);
            var values = (RedisResult[])result!;
            var granted = (int)(long)values[0];
            var nextMs = Math.Clamp((long)values[1], 1, 1000);
            return new StsBudgetGrant(granted, TimeSpan.FromMilliseconds(nextMs), (long)values[2]);
        }
#pragma warning disable CA1031 // any Redis failure (timeout, connection, script) means the local share, never unlimited and never a refusal
        catch (Exception)
#pragma warning restore CA1031
        {
            _metrics.SharedCacheError();
            Volatile.Write(ref _skipUntilTicks, (_time.GetUtcNow() + _break).UtcTicks);
            return null;
        }
    }

    private async Task<RedisResult> EvaluateAsync(int want, int limit)
    {
        var redis = await _connection.GetAsync().ConfigureAwait(false);
        return await redis.GetDatabase().ScriptEvaluateAsync(Script, [new RedisKey(Key)], [want, limit]).ConfigureAwait(false);
    }
}
