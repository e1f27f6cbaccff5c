using System.Globalization;
using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Diagnostics;
using StackExchange.Redis;

namespace Gateway.Isolation.RateLimiting;

/// <summary>
/// The fleet's token bucket of each organization in Redis: one Lua script per request (one round trip; StackExchange.Redis
/// sends it by SHA once loaded) that refills on the Redis server's clock (<c>TIME</c>, so instances' clocks do not matter),
/// takes a token and sets the key to expire once the bucket would be full again (idle organizations leave nothing behind).
/// Bounded by <see cref="SharedCacheOptions.OperationTimeout"/> (250 ms by default, the shared cache's budget); after a
/// failure Redis is skipped for <see cref="SharedCacheOptions.BreakDuration"/>. Null answers send the limiter to its local share.
/// </summary>
internal sealed class RedisFleetRateLimitStore : IFleetRateLimitStore
{
    // KEYS[1] bucket; ARGV[1] rate (tokens/s), ARGV[2] burst. Returns { allowed (0/1), tokens left (string) }.
    internal const string Script = """
        local rate = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
        local state = redis.call('HMGET', KEYS[1], 't', 'ts')
        local tokens = tonumber(state[1])
        local ts = tonumber(state[2])
        if tokens == nil or ts == nil then
          tokens = burst
          ts = now
        end
        local elapsed = now - ts
        if elapsed < 0 then elapsed = 0 end
        tokens = math.min(burst, tokens + elapsed * rate / 1000)
        local allowed = 0
        if tokens >= 1 then
          tokens = tokens - 1
          allowed = 1
        end
        redis.call('HSET', KEYS[1], 't', string.format('%.6f', tokens), 'ts', string.format('%.3f', math.max(now, ts)))
        redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
        return { allowed, string.format('%.6f', tokens) }
        """;

    private readonly RedisConnection _connection;
    private readonly TimeProvider _time;
    private readonly IsolationMetrics _metrics;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _break;
    private long _skipUntilTicks;

    public RedisFleetRateLimitStore(RedisConnection connection, SharedCacheOptions options, TimeProvider time, IsolationMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        _connection = connection;
        _time = time;
        _metrics = metrics;
        _timeout = options.OperationTimeout;
        _break = options.BreakDuration;
    }

    /// <summary>The Redis key of an organization's bucket: <c>{prefix}rl:{organization}</c> (organization ids are <c>[A-Za-z0-9._-]</c>).</summary>
    public string Key(string organizationId) => _connection.Prefix + "rl:" + organizationId;

    public async ValueTask<BucketResult?> TryTakeAsync(string organizationId, double rate, int burst)
    {
        if (_time.GetUtcNow().UtcTicks < Volatile.Read(ref _skipUntilTicks))
        {
            return null;
        }

        try
        {
            var result = await EvaluateAsync(organizationId, rate, burst).WaitAsync(_timeout, _time).ConfigureAwait(false);
            var values = (RedisResult[])result!;
            var allowed = (long)values[0] == 1;
            var tokens = double.Parse((string)values[1]!, NumberStyles.Float, CultureInfo.InvariantCulture);
            return BucketResult.From(allowed, tokens, rate, burst);
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

    private async Task<RedisResult> EvaluateAsync(string organizationId, double rate, int burst)
    {
        var redis = await _connection.GetAsync().ConfigureAwait(false);
        return await redis.GetDatabase().ScriptEvaluateAsync(
            Script,
            [new RedisKey(Key(organizationId))],
            [rate.ToString("R", CultureInfo.InvariantCulture), burst]).ConfigureAwait(false);
    }
}
