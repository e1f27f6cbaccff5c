using System.Text.Json;
using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Memberships;
using Gateway.Isolation.Tests.Credentials;
using Gateway.Isolation.Tests.Memberships;
using Gateway.Policies;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using StackExchange.Redis;

namespace Gateway.Isolation.Tests.Caching;

/// <summary>
/// <see cref="FleetEviction"/> and <see cref="EvictionBackplane"/> against a real <c>redis-server</c> (no gateway
/// processes): what must be true of Redis and of an instance's L1 when <c>evict</c> returns.
/// </summary>
public sealed class FleetEvictionTests : IAsyncLifetime
{
    private static readonly OrganizationId Acme = OrganizationId.Parse("acme");
    private RedisHost? _host;
    private ConnectionMultiplexer? _redis;

    private RedisHost Host => _host!;

    private ConnectionMultiplexer Redis => _redis!;

    private SharedCacheOptions Options => new() { Redis = Host.ConnectionString, EvictTimeout = TimeSpan.FromSeconds(5) };

    public async Task InitializeAsync()
    {
        Assert.True(RedisHost.FindServer() is not null, "redis-server is not installed: apt-get install -y redis-server");
        _host = await RedisHost.StartAsync();
        _redis = await ConnectionMultiplexer.ConnectAsync(Host.ConnectionString);
    }

    [Fact]
    public async Task EvictAsync_MembershipRewrittenBeforeTheAcknowledgement_IsGoneWhenItReturns()
    {
        // An instance whose lookup began before the revocation writes the old answer to L2 after evict's first removal and
        // before it confirms: evict's final removal must take it out.
        var database = Redis.GetDatabase();
        await database.HashSetAsync("gateway:m2:carol:acme", "data", "old");
        await database.HashSetAsync("gateway:m2:dave:acme", "data", "kept");
        var subscriber = Redis.GetSubscriber();
        await subscriber.SubscribeAsync(RedisChannel.Literal("gateway:evict"), (_, message) =>
        {
            var eviction = JsonSerializer.Deserialize((byte[])message!, SharedCacheJsonContext.Default.EvictionMessage)!;
            database.HashSet("gateway:m2:carol:acme", "data", "rewritten by a lookup that began before the revocation");
            subscriber.Publish(RedisChannel.Literal("gateway:evict-ack"), eviction.Id);
        });

        var result = await FleetEviction.EvictAsync(Options, "carol", "acme", CancellationToken.None);

        Assert.Equal((1, 1), (result.Instances, result.Confirmed));
        Assert.False(await database.KeyExistsAsync("gateway:m2:carol:acme"));
        Assert.True(await database.KeyExistsAsync("gateway:m2:dave:acme")); // the twin: another user's entry stays
    }

    [Fact]
    public async Task EvictAsync_InstanceCopiedASlowerInstancesOldAnswerFromL2AfterConfirming_HasDroppedItWhenItReturns()
    {
        // B's lookup read the table before the revocation and its write lands in L2 after evict's first removal, before B
        // receives the eviction. A, already confirmed, misses L1 and copies that entry from L2 under its new generation.
        // Then B confirms and the entry is removed from L2 — but A's copy must be gone too when evict returns.
        var database = Redis.GetDatabase();
        await database.HashSetAsync("gateway:m2:dave:acme", "data", "kept");
        await using var redisB = await ConnectionMultiplexer.ConnectAsync(Host.ConnectionString);
        var bWrote = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aCopied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? l1OnA = "old answer cached before the eviction";
        var messagesToA = 0;
        var messagesToB = 0;
        Task? copying = null;
        Task? confirming = null;

        var subscriberA = Redis.GetSubscriber();
        await subscriberA.SubscribeAsync(RedisChannel.Literal("gateway:evict"), (_, message) =>
        {
            var eviction = JsonSerializer.Deserialize((byte[])message!, SharedCacheJsonContext.Default.EvictionMessage)!;
            Volatile.Write(ref l1OnA, null);
            subscriberA.Publish(RedisChannel.Literal("gateway:evict-ack"), eviction.Id);
            if (Interlocked.Increment(ref messagesToA) == 1)
            {
                copying = Task.Run(async () =>
                {
                    await bWrote.Task;
                    Volatile.Write(ref l1OnA, (string?)await database.HashGetAsync("gateway:m2:carol:acme", "data")); // request on A: L1 miss -> L2
                    aCopied.SetResult();
                });
            }
        });

        var subscriberB = redisB.GetSubscriber();
        var databaseB = redisB.GetDatabase();
        await subscriberB.SubscribeAsync(RedisChannel.Literal("gateway:evict"), (_, message) =>
        {
            var eviction = JsonSerializer.Deserialize((byte[])message!, SharedCacheJsonContext.Default.EvictionMessage)!;
            if (Interlocked.Increment(ref messagesToB) == 1)
            {
                databaseB.HashSet("gateway:m2:carol:acme", "data", "old answer written by B's slow lookup");
                bWrote.SetResult();
                confirming = Task.Run(async () =>
                {
                    await aCopied.Task;
                    await subscriberB.PublishAsync(RedisChannel.Literal("gateway:evict-ack"), eviction.Id);
                });
                return;
            }

            subscriberB.Publish(RedisChannel.Literal("gateway:evict-ack"), eviction.Id);
        });

        var result = await FleetEviction.EvictAsync(Options, "carol", "acme", CancellationToken.None);

        Assert.Equal((2, 2), (result.Instances, result.Confirmed));
        await copying!;
        await confirming!;
        Assert.Null(Volatile.Read(ref l1OnA));
        Assert.False(await database.KeyExistsAsync("gateway:m2:carol:acme"));
        Assert.True(await database.KeyExistsAsync("gateway:m2:dave:acme")); // the twin: another user's entry stays
    }

    [Fact]
    public async Task EvictAsync_ThroughTheBackplane_InstanceDroppedTheUserBeforeItReturns()
    {
        var time = TimeProvider.System;
        using var meters = new TestMeterFactory();
        using var metrics = new IsolationMetrics(meters);
        var store = new FakeMembershipStore { Answer = new Membership(MembershipStatus.Member, "MEMBER") };
        var options = TestOptions.Valid();
        options.SharedCache = Options;
        using var memberships = new MembershipService(store, TestOptions.Watch(options), time, metrics);
        using var credentials = new CredentialCache(new FakeCredentialIssuer(time), TestOptions.Wrap(options), time, metrics, NullLogger<CredentialCache>.Instance);
        var organizationStore = new FakeOrganizationStore();
        using var organizations = new OrganizationService(organizationStore, TestOptions.Watch(options), time);
        await using var connection = new RedisConnection(Options);
        using var backplane = new EvictionBackplane(connection, [organizations, memberships, credentials], time, NullLogger<EvictionBackplane>.Instance);
        await backplane.StartAsync(CancellationToken.None);
        for (var i = 0; i < 100 && (long)(await Redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", "gateway:evict"))[1] != 1; i++)
        {
            await Task.Delay(50);
        }

        await memberships.GetAsync("carol", Acme, CancellationToken.None);
        await memberships.GetAsync("dave", Acme, CancellationToken.None);
        await organizations.GetAsync(Acme, CancellationToken.None);
        store.Answer = Membership.NotAMember;
        organizationStore.Answer = new OrganizationRecord(OrganizationStatus.Inactive, OrganizationDataLocation.Legacy);

        var result = await FleetEviction.EvictAsync(Options, "carol", null, CancellationToken.None);

        Assert.Equal((1, 1), (result.Instances, result.Confirmed));
        Assert.False((await memberships.GetAsync("carol", Acme, CancellationToken.None)).IsMember);
        Assert.True((await memberships.GetAsync("dave", Acme, CancellationToken.None)).IsMember); // the twin: not evicted
        // The organization's record went with the eviction too (it is read again, suspended, before StatusTtl ended).
        Assert.Equal(OrganizationStatus.Inactive, (await organizations.GetAsync(Acme, CancellationToken.None)).Status);
        await backplane.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Backplane_MessageWithAnInvalidUserId_IsNeitherAppliedNorLoggedNorConfirmed()
    {
        var time = TimeProvider.System;
        using var meters = new TestMeterFactory();
        using var metrics = new IsolationMetrics(meters);
        var store = new FakeMembershipStore { Answer = new Membership(MembershipStatus.Member, "MEMBER") };
        var options = TestOptions.Valid();
        options.SharedCache = Options;
        using var memberships = new MembershipService(store, TestOptions.Watch(options), time, metrics);
        using var credentials = new CredentialCache(new FakeCredentialIssuer(time), TestOptions.Wrap(options), time, metrics, NullLogger<CredentialCache>.Instance);
        using var organizations = new OrganizationService(new FakeOrganizationStore(), TestOptions.Watch(options), time);
        await using var connection = new RedisConnection(Options);
        var logger = new FakeLogger<EvictionBackplane>();
        using var backplane = new EvictionBackplane(connection, [organizations, memberships, credentials], time, logger);
        await backplane.StartAsync(CancellationToken.None);
        for (var i = 0; i < 100 && (long)(await Redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", "gateway:evict"))[1] != 1; i++)
        {
            await Task.Delay(50);
        }

        var acks = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var validConfirmed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await Redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal("gateway:evict-ack"), (_, message) =>
        {
            acks.Enqueue(message!);
            if (message == "valid")
            {
                validConfirmed.TrySetResult();
            }
        });
        await memberships.GetAsync("carol", Acme, CancellationToken.None);

        var forged = "carol\n2026-01-01 INFO Evicted user admin in organization *: 9 local cache entries dropped";
        await Publish(new EvictionMessage("forged", forged, null));
        await Publish(new EvictionMessage("invalid-org", "carol", "acme\nforged"));
        await Publish(new EvictionMessage("everything", null, null)); // no user and no organization: never "drop everything"
        await Publish(new EvictionMessage("valid", "carol", "acme")); // the twin: a valid message is applied and confirmed
        await validConfirmed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["valid"], acks.ToArray());
        Assert.DoesNotContain(logger.Collector.GetSnapshot(), r => r.Message.Contains("forged", StringComparison.Ordinal) || r.Message.Contains("admin", StringComparison.Ordinal));
        Assert.Equal(3, logger.Collector.GetSnapshot().Count(r => r.Id.Id == 3113)); // all three logged as malformed
        await backplane.StopAsync(CancellationToken.None);

        Task Publish(EvictionMessage message)
            => Redis.GetSubscriber().PublishAsync(RedisChannel.Literal("gateway:evict"), JsonSerializer.SerializeToUtf8Bytes(message, SharedCacheJsonContext.Default.EvictionMessage));
    }

    [Fact]
    public async Task Backplane_CredentialsRejected_OverRealRedis_OtherInstanceDropsThatSetOnly_MalformedIgnored()
    {
        // Two instances (one Redis connection each) behind one redis-server: instance A drops a rejected set and announces
        // it; instance B, which held the same set (from L2), drops its copy and takes A's new set from L2 — one AssumeRole
        // for the re-mint. Messages naming no valid key (another organization id form, an empty access key id) drop nothing.
        var time = TimeProvider.System;
        using var meters = new TestMeterFactory();
        using var metrics = new IsolationMetrics(meters);
        var options = TestOptions.Valid();
        options.SharedCache = new SharedCacheOptions
        {
            Redis = Host.ConnectionString,
            OperationTimeout = TimeSpan.FromSeconds(2),
            Sealing = new SharedCacheSealingOptions { ActiveKeyId = "k1", Keys = { ["k1"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) } },
        };
        var issuer = new FakeCredentialIssuer(time);
        var permissionSet = new Gateway.Policies.SessionPolicies.PermissionSet { Name = "read-write", Tables = [new Gateway.Policies.SessionPolicies.TableAccess { TableName = "Applications", PartitionKey = "organizationId", Read = true, Write = true }] };
        var key = new CredentialKey(Acme, "read-write", null, "0123456789abcdef");
        var globexKey = key with { OrganizationId = OrganizationId.Parse("globex") };
        var logger = new FakeLogger<EvictionBackplane>();

        await using var connectionA = new RedisConnection(options.SharedCache);
        await using var connectionB = new RedisConnection(options.SharedCache);
        using var a = new CredentialCache(issuer, TestOptions.Wrap(options), time, metrics, NullLogger<CredentialCache>.Instance, Shared(connectionA));
        using var b = new CredentialCache(issuer, TestOptions.Wrap(options), time, metrics, NullLogger<CredentialCache>.Instance, Shared(connectionB));
        using var backplaneB = new EvictionBackplane(connectionB, [], time, logger, [b]);
        await backplaneB.StartAsync(CancellationToken.None);
        for (var i = 0; i < 100 && (long)(await Redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", "gateway:credentials-rejected"))[1] != 1; i++)
        {
            await Task.Delay(50);
        }

        var rejected = (await a.GetAsync(key, permissionSet, CancellationToken.None)).Credentials!;
        Assert.Equal(rejected.AccessKeyId, (await b.GetAsync(key, permissionSet, CancellationToken.None)).Credentials!.AccessKeyId);
        var globex = (await b.GetAsync(globexKey, permissionSet, CancellationToken.None)).Credentials!;

        await Publish(new CredentialsRejectedMessage("acme\nforged", "read-write", "0123456789abcdef", null, rejected.AccessKeyId));
        await Publish(new CredentialsRejectedMessage("acme", "read-write", "0123456789abcdef", null, ""));
        Assert.Equal(CredentialRejectionOutcome.Dropped, await a.RejectedAsync(key, rejected));
        await Eventually.UntilAsync(() => b.LastRejection is not null);

        var minted = (await a.GetAsync(key, permissionSet, CancellationToken.None)).Credentials!;
        Assert.NotEqual(rejected.AccessKeyId, minted.AccessKeyId);
        Assert.Equal(minted.AccessKeyId, (await b.GetAsync(key, permissionSet, CancellationToken.None)).Credentials!.AccessKeyId);
        Assert.Same(globex, (await b.GetAsync(globexKey, permissionSet, CancellationToken.None)).Credentials); // another organization: untouched
        Assert.Equal(3, issuer.Calls); // acme, globex, acme's one re-mint
        Assert.Equal(2, logger.Collector.GetSnapshot().Count(r => r.Id.Id == 3113)); // both malformed ones logged, not applied
        await backplaneB.StopAsync(CancellationToken.None);

        SharedCache Shared(RedisConnection connection) => SharedOn(connection, options, time, metrics);

        Task Publish(CredentialsRejectedMessage message)
            => Redis.GetSubscriber().PublishAsync(RedisChannel.Literal("gateway:credentials-rejected"), JsonSerializer.SerializeToUtf8Bytes(message, SharedCacheJsonContext.Default.CredentialsRejectedMessage));
    }

    [Fact]
    public async Task EvictAsync_WholeOrganization_EverySetAndMembershipOfItGoneFromL2AndFromEveryInstance_TwinsOtherOrganizationsStay()
    {
        // revoke --organization acme: two instances hold acme's credential sets (organization-wide and carol's) and
        // memberships in L1 and L2; after the eviction no instance and no L2 entry serves a set obtained before it, so each
        // instance's next request for acme mints (or takes from L2) a set issued after. globex and acme-2 (acme is its
        // prefix) keep theirs everywhere.
        var time = TimeProvider.System;
        using var meters = new TestMeterFactory();
        using var metrics = new IsolationMetrics(meters);
        var options = TestOptions.Valid();
        options.SharedCache = new SharedCacheOptions
        {
            Redis = Host.ConnectionString,
            OperationTimeout = TimeSpan.FromSeconds(2),
            EvictTimeout = TimeSpan.FromSeconds(5),
            Sealing = new SharedCacheSealingOptions { ActiveKeyId = "k1", Keys = { ["k1"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) } },
        };
        var issuer = new FakeCredentialIssuer(time);
        var store = new FakeMembershipStore { Answer = new Membership(MembershipStatus.Member, "MEMBER") };
        var permissionSet = new Gateway.Policies.SessionPolicies.PermissionSet { Name = "read-write", Tables = [new Gateway.Policies.SessionPolicies.TableAccess { TableName = "Applications", PartitionKey = "organizationId", Read = true, Write = true }] };
        var acmeWide = new CredentialKey(Acme, "read-write", null, "0123456789abcdef");
        CredentialKey[] acmeKeys = [acmeWide, acmeWide with { UserId = "carol" }];
        CredentialKey[] otherKeys = [acmeWide with { OrganizationId = OrganizationId.Parse("globex") }, acmeWide with { OrganizationId = OrganizationId.Parse("acme-2") }];

        var instances = new List<(CredentialCache Credentials, MembershipService Memberships, EvictionBackplane Backplane, IDisposable[] Owned)>();
        var connections = new List<RedisConnection>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var connection = new RedisConnection(options.SharedCache);
                connections.Add(connection);
                var shared = SharedOn(connection, options, time, metrics);
                var credentials = new CredentialCache(issuer, TestOptions.Wrap(options), time, metrics, NullLogger<CredentialCache>.Instance, shared);
                var memberships = new MembershipService(store, TestOptions.Watch(options), time, metrics, shared);
                var organizations = new OrganizationService(new FakeOrganizationStore(), TestOptions.Watch(options), time);
                var backplane = new EvictionBackplane(connection, [organizations, memberships, credentials], time, NullLogger<EvictionBackplane>.Instance);
                await backplane.StartAsync(CancellationToken.None);
                instances.Add((credentials, memberships, backplane, [credentials, memberships, organizations, backplane]));
            }

            for (var i = 0; i < 100 && (long)(await Redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", "gateway:evict"))[1] != 2; i++)
            {
                await Task.Delay(50);
            }

            var before = new Dictionary<CredentialKey, string>();
            foreach (var key in acmeKeys.Concat(otherKeys))
            {
                before[key] = (await instances[0].Credentials.GetAsync(key, permissionSet, CancellationToken.None)).Credentials!.AccessKeyId;
                Assert.Equal(before[key], (await instances[1].Credentials.GetAsync(key, permissionSet, CancellationToken.None)).Credentials!.AccessKeyId); // from L2
            }

            foreach (var (user, organization) in new[] { ("carol", "acme"), ("dave", "acme"), ("carol", "acme-2"), ("carol", "globex") })
            {
                await instances[0].Memberships.GetAsync(user, OrganizationId.Parse(organization), CancellationToken.None);
            }

            Assert.Equal(4, issuer.Calls);
            var lookups = store.Calls;

            var result = await FleetEviction.EvictAsync(options.SharedCache, null, "acme", CancellationToken.None);

            Assert.Equal((2, 2), (result.Instances, result.Confirmed));
            var keys = Redis.GetServers().Single().Keys(pattern: "gateway:*").Select(k => k.ToString()).ToList();
            Assert.DoesNotContain(keys, k => k.StartsWith("gateway:c:acme:", StringComparison.Ordinal) || k.EndsWith(":acme", StringComparison.Ordinal));
            Assert.Contains(keys, k => k.StartsWith("gateway:c:acme-2:", StringComparison.Ordinal)); // the twins: still in L2
            Assert.Contains(keys, k => k.StartsWith("gateway:c:globex:", StringComparison.Ordinal));
            Assert.Contains("gateway:m2:carol:acme-2", keys);
            Assert.Contains("gateway:m2:carol:globex", keys);
            foreach (var instance in instances)
            {
                foreach (var key in otherKeys)
                {
                    Assert.Equal(before[key], (await instance.Credentials.GetAsync(key, permissionSet, CancellationToken.None)).Credentials!.AccessKeyId);
                }
            }

            Assert.Equal(4, issuer.Calls); // nothing of another organization was minted again
            foreach (var key in acmeKeys)
            {
                var first = (await instances[1].Credentials.GetAsync(key, permissionSet, CancellationToken.None)).Credentials!.AccessKeyId;
                var second = (await instances[0].Credentials.GetAsync(key, permissionSet, CancellationToken.None)).Credentials!.AccessKeyId;
                Assert.NotEqual(before[key], first); // a set issued after the eviction, on both instances
                Assert.Equal(first, second);
            }

            Assert.Equal(6, issuer.Calls); // one AssumeRole per acme key for the fleet
            await instances[0].Memberships.GetAsync("carol", OrganizationId.Parse("globex"), CancellationToken.None);
            Assert.Equal(lookups, store.Calls); // globex's membership still cached
            await instances[0].Memberships.GetAsync("dave", Acme, CancellationToken.None);
            Assert.Equal(lookups + 1, store.Calls); // acme's was dropped
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.Backplane.StopAsync(CancellationToken.None);
                foreach (var owned in instance.Owned)
                {
                    owned.Dispose();
                }
            }

            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private static SharedCache SharedOn(RedisConnection connection, TenantIsolationOptions options, TimeProvider time, IsolationMetrics metrics)
    {
        var redisCache = new Microsoft.Extensions.Caching.StackExchangeRedis.RedisCache(Microsoft.Extensions.Options.Options.Create(new Microsoft.Extensions.Caching.StackExchangeRedis.RedisCacheOptions
        {
            InstanceName = connection.Prefix,
            ConnectionMultiplexerFactory = connection.GetAsync,
        }));
        var sealedCache = new SealedDistributedCache(redisCache, options.SharedCache.Sealing, connection.Prefix, NullLogger<SealedDistributedCache>.Instance);
        return new SharedCache(sealedCache, new RedisFleetLock(connection), options.SharedCache, time, metrics, NullLogger<SharedCache>.Instance, new RedisFleetAnnouncer(connection));
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
