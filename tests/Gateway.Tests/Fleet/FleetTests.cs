using System.Diagnostics;
using System.Net;
using Gateway.Testing;
using StackExchange.Redis;

namespace Gateway.Tests.Fleet;

/// <summary>
/// Issue 13's checks over real processes (three gateways, redis-server, LocalAws): fleet-wide single flight, evict (and
/// its TTL twin), Redis outage and recovery, tampered and moved L2 entries.
/// </summary>
[Collection(FleetGroup.Name)]
public sealed class FleetTests(FleetFixture fleet)
{
    private const string L2Hits = "gateway_cache_l2_hits_total";
    private const string L2Misses = "gateway_cache_l2_misses_total";
    private const string L2Errors = "gateway_cache_l2_errors_total";
    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(2);

    private LocalAwsHost Aws => fleet.Topology.Aws;

    [Fact]
    public async Task FirstRequests_200ConcurrentOverThreeInstances_OneAssumeRole()
    {
        var org = fleet.FreshOrganization();
        var before = (await Aws.GetStatsAsync()).AssumeRoleCalls;

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => fleet.SendAsync(i % FleetFixture.Instances, "alice", org)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, (await Aws.GetStatsAsync()).AssumeRoleCalls - before);
    }

    [Fact]
    public async Task MembershipDeletedThenEvict_NextRequestOnEveryInstanceIs403()
    {
        var org = fleet.FreshOrganization();
        await fleet.PutMembershipAsync("fleet-evictee", org, "MEMBER");
        await AllAsync(HttpStatusCode.OK, "fleet-evictee", org); // cached on every instance
        var cachedAt = Stopwatch.StartNew();
        await fleet.DeleteMembershipAsync("fleet-evictee", org);
        await AllAsync(HttpStatusCode.OK, "fleet-evictee", org); // still served from the caches: evict is what changes it

        var run = await EvictAsync(fleet.CliEnvironment(), "--user", "fleet-evictee", "--organization", org);

        Assert.True(run.ExitCode == 0, run.ToString());
        var line = Assert.Single(run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"evicted user fleet-evictee in organization {org}:", line, StringComparison.Ordinal);
        Assert.EndsWith($"{FleetFixture.Instances} of {FleetFixture.Instances} instances confirmed", line, StringComparison.Ordinal);
        await AllAsync(HttpStatusCode.Forbidden, "fleet-evictee", org);
        Assert.True(cachedAt.Elapsed < FleetFixture.PositiveTtl, $"the check took {cachedAt.Elapsed}, longer than the membership TTL: the 403 does not prove the eviction");
        await AllAsync(HttpStatusCode.OK, "alice", org); // the twin: another member of the organization is unaffected
    }

    [Fact]
    public async Task MembershipDeletedWithoutEvict_ServedUntilTheTtlThen403()
    {
        var org = fleet.FreshOrganization();
        await fleet.PutMembershipAsync("fleet-ttl", org, "MEMBER");
        await AllAsync(HttpStatusCode.OK, "fleet-ttl", org);
        var cachedAt = Stopwatch.StartNew();
        await fleet.DeleteMembershipAsync("fleet-ttl", org);

        await AllAsync(HttpStatusCode.OK, "fleet-ttl", org);
        var wait = FleetFixture.PositiveTtl - cachedAt.Elapsed + TimeSpan.FromMilliseconds(500);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        await AllAsync(HttpStatusCode.Forbidden, "fleet-ttl", org);
    }

    [Fact]
    public async Task RedisKilled_CachedOrganizationsServedNewOnesThroughSts_RestartedL2UsedAgain()
    {
        var cached = fleet.FreshOrganization();
        await AllAsync(HttpStatusCode.OK, "alice", cached);
        var errorsBefore = await fleet.CounterAsync(0, L2Errors);

        await fleet.Topology.Redis.KillAsync();
        try
        {
            // Cached organizations: every request on every instance succeeds (50 each); a new one goes through STS.
            var responses = await Task.WhenAll(Enumerable.Range(0, 150).Select(i => fleet.SendAsync(i % FleetFixture.Instances, "alice", cached)));
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            var fresh = fleet.FreshOrganization();
            var stsBefore = (await Aws.GetStatsAsync()).AssumeRoleCalls;
            await AllAsync(HttpStatusCode.OK, "alice", fresh);
            Assert.InRange((await Aws.GetStatsAsync()).AssumeRoleCalls - stsBefore, 1, FleetFixture.Instances);
            Assert.True(await fleet.CounterExceedsAsync(0, L2Errors, errorsBefore), "no L2 error was counted while Redis was down");
        }
        finally
        {
            await fleet.Topology.Redis.RestartAsync();
        }

        // Restarted: an organization minted on instance 0 is served to instance 1 from L2 (one AssumeRole, L2 hit counted).
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var org = fleet.FreshOrganization();
            var hitsBefore = await fleet.CounterAsync(1, L2Hits);
            var stsBefore = (await Aws.GetStatsAsync()).AssumeRoleCalls;
            Assert.Equal(HttpStatusCode.OK, (await fleet.SendAsync(0, "alice", org)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await fleet.SendAsync(1, "alice", org)).StatusCode);
            if ((await Aws.GetStatsAsync()).AssumeRoleCalls - stsBefore == 1 && await fleet.CounterExceedsAsync(1, L2Hits, hitsBefore))
            {
                break;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "L2 was not used again within 30 s of the Redis restart");
            await Task.Delay(1000);
        }
    }

    [Fact]
    public async Task TamperedL2Entry_IsAMissServedThroughSts()
    {
        var org = fleet.FreshOrganization();
        Assert.Equal(HttpStatusCode.OK, (await fleet.SendAsync(0, "alice", org)).StatusCode);
        await using var redis = await ConnectAsync();
        var key = await CredentialKeyAsync(redis, org);
        await RewriteAsync(redis, key, value => value[^5] ^= 0x20);
        var missesBefore = await fleet.CounterAsync(1, L2Misses);
        var stsBefore = (await Aws.GetStatsAsync()).AssumeRoleCalls;

        Assert.Equal(HttpStatusCode.OK, (await fleet.SendAsync(1, "alice", org)).StatusCode);

        Assert.Equal(1, (await Aws.GetStatsAsync()).AssumeRoleCalls - stsBefore);
        Assert.True(await fleet.CounterExceedsAsync(1, L2Misses, missesBefore), "the tampered entry was not counted as an L2 miss");
        Assert.Contains($"Shared cache entry {key["gateway:".Length..]} could not be opened (authentication failed", fleet.Topology.Gateways[1].Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task L2EntryMovedUnderAnotherOrganization_Rejected()
    {
        var source = fleet.FreshOrganization();
        var target = fleet.FreshOrganization();
        Assert.Equal(HttpStatusCode.OK, (await fleet.SendAsync(0, "alice", source)).StatusCode);
        await using var redis = await ConnectAsync();
        var sourceKey = await CredentialKeyAsync(redis, source);
        await CopyAsync(redis, sourceKey, sourceKey.Replace($"gateway:c:{source}:", $"gateway:c:{target}:", StringComparison.Ordinal));
        var stsBefore = (await Aws.GetStatsAsync()).AssumeRoleCalls;

        // The moved entry fails authentication (its associated data is the source's key): the target gets its own session.
        Assert.Equal(HttpStatusCode.OK, (await fleet.SendAsync(1, "alice", target)).StatusCode);
        Assert.Equal(1, (await Aws.GetStatsAsync()).AssumeRoleCalls - stsBefore);
        Assert.Equal(HttpStatusCode.OK, (await fleet.SendAsync(2, "alice", source)).StatusCode); // the twin: under its own key it is used
        Assert.Equal(1, (await Aws.GetStatsAsync()).AssumeRoleCalls - stsBefore);
    }

    [Fact]
    public async Task Evict_OnlyTheRedisConnectionConfigured_EvictsWithoutASealingKey()
    {
        var env = fleet.CliEnvironment();
        env["TenantIsolation__SharedCache__Sealing__ActiveKeyId"] = null;
        env[$"TenantIsolation__SharedCache__Sealing__Keys__{fleet.Topology.SealingKey.Id}"] = null;

        var run = await EvictAsync(env, "--user", "nobody-in-particular");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("evicted user nobody-in-particular in all organizations: 0 shared cache entries removed", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evict_RedisUnreachable_ExitsOneWithOneLine()
    {
        var env = fleet.CliEnvironment();
        env["TenantIsolation__SharedCache__Redis"] = $"127.0.0.1:{FreePort.Next()}";

        var run = await EvictAsync(env, "--user", "alice");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("evict: Redis at 127.0.0.1:", line, StringComparison.Ordinal);
        Assert.Contains("unreachable", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evict_NoSharedCacheConfigured_ExitsTwoNamingTheSettingAndTtl()
    {
        var env = fleet.CliEnvironment();
        env["TenantIsolation__SharedCache__Redis"] = null;

        var run = await EvictAsync(env, "--user", "alice");

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("TenantIsolation:SharedCache:Redis is not configured", line, StringComparison.Ordinal);
        Assert.Contains("PositiveTtl (30 s)", line, StringComparison.Ordinal);
    }

    private async Task AllAsync(HttpStatusCode expected, string user, string organization)
    {
        for (var i = 0; i < FleetFixture.Instances; i++)
        {
            using var response = await fleet.SendAsync(i, user, organization);
            Assert.True(expected == response.StatusCode, $"instance {i}: {(int)response.StatusCode} for {user} in {organization}, expected {(int)expected}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static Task<ProcessRun> EvictAsync(Dictionary<string, string?> env, params string[] args)
        => ProcessHost.RunDotnetAsync([Built.Dll("src/Gateway", "Gateway"), "evict", .. args], env, RepoPaths.Root, CliTimeout);

    /// <summary>The organization's read-write credentials in Redis (<c>gateway:c:{org}:read-write:{policy digest}:-</c>).</summary>
    private static async Task<string> CredentialKeyAsync(ConnectionMultiplexer redis, string organization)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: $"gateway:c:{organization}:read-write:*:-"))
        {
            keys.Add(key.ToString());
        }

        return Assert.Single(keys);
    }

    private Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(fleet.Topology.Redis.ConnectionString);

    /// <summary>Reads the stored value (RedisCache keeps it in the hash field <c>data</c>), changes it, writes it back.</summary>
    private static async Task RewriteAsync(ConnectionMultiplexer redis, string key, Action<byte[]> change)
    {
        var database = redis.GetDatabase();
        var value = (byte[]?)await database.HashGetAsync(key, "data");
        Assert.NotNull(value);
        change(value);
        await database.HashSetAsync(key, "data", value);
    }

    private static async Task CopyAsync(ConnectionMultiplexer redis, string from, string to)
    {
        var database = redis.GetDatabase();
        var fields = await database.HashGetAllAsync(from);
        Assert.NotEmpty(fields);
        await database.HashSetAsync(to, fields);
        await database.KeyExpireAsync(to, TimeSpan.FromMinutes(30));
    }
}
