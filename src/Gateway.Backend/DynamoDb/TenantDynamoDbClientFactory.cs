using System.Collections.Concurrent;
using Amazon;
using Amazon.DynamoDBv2;
using Gateway.Backend.Context;
using Gateway.Envelopes;
using Microsoft.Extensions.Options;

namespace Gateway.Backend.DynamoDb;

/// <summary>
/// Hands out DynamoDB clients signed with an envelope's session credentials. Clients are cached per credential
/// generation (one STS session = one access key id) and shared by every request that carries it; the SDK's cached
/// HttpClient is shared by all of them through one <see cref="AmazonDynamoDBConfig"/>. Entries are disposed a
/// grace period after their credentials expire; past <see cref="TenantDynamoDbOptions.MaxCachedClients"/>,
/// requests get an owned client that is disposed with the request.
/// </summary>
internal sealed class TenantDynamoDbClientFactory : IDisposable
{
    /// <summary>How long an expired generation's client is kept for requests still in flight.</summary>
    internal static readonly TimeSpan EvictionGrace = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, CachedClient> _clients = new(StringComparer.Ordinal);
    private readonly AmazonDynamoDBConfig _config;
    private readonly int _maxCachedClients;
    private readonly TimeProvider _time;
    private readonly Lock _sweepLock = new();
    private DateTimeOffset _nextSweep;
    private long _clientsCreated;

    public TenantDynamoDbClientFactory(IOptions<TenantContextOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var dynamo = options.Value.DynamoDb;
        _config = CreateConfig(dynamo);
        _maxCachedClients = dynamo.MaxCachedClients;
        _time = time;
        _nextSweep = time.GetUtcNow() + SweepInterval;
    }

    /// <summary>Clients constructed so far (cached and owned).</summary>
    internal long ClientsCreated => Interlocked.Read(ref _clientsCreated);

    internal int CachedCount => _clients.Count;

    internal AmazonDynamoDBConfig Config => _config;

    public TenantDynamoDbClientLease Rent(TenantEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var now = _time.GetUtcNow();
        SweepIfDue(now);

        if (_clients.TryGetValue(envelope.AccessKeyId, out var cached))
        {
            // Same key id but other secret/token cannot come from STS; never hand out a client signed with
            // credentials other than the envelope's.
            return cached.Credentials.Matches(envelope) ? new(cached.Client, Owned: false) : new(Create(envelope).Client, Owned: true);
        }

        var created = Create(envelope);
        if (_clients.Count >= _maxCachedClients)
        {
            return new(created.Client, Owned: true);
        }

        var winner = _clients.GetOrAdd(envelope.AccessKeyId, created);
        if (!ReferenceEquals(winner, created))
        {
            created.Client.Dispose();
            return winner.Credentials.Matches(envelope) ? new(winner.Client, Owned: false) : new(Create(envelope).Client, Owned: true);
        }

        return new(created.Client, Owned: false);
    }

    public void Dispose()
    {
        foreach (var entry in _clients.Values)
        {
            entry.Client.Dispose();
        }

        _clients.Clear();
    }

    internal void Sweep(DateTimeOffset now)
    {
        foreach (var (key, entry) in _clients)
        {
            if (entry.Credentials.ExpiresAt + EvictionGrace <= now && _clients.TryRemove(new KeyValuePair<string, CachedClient>(key, entry)))
            {
                entry.Client.Dispose();
            }
        }
    }

    private void SweepIfDue(DateTimeOffset now)
    {
        if (now < _nextSweep && _clients.Count < _maxCachedClients)
        {
            return;
        }

        lock (_sweepLock)
        {
            if (now < _nextSweep && _clients.Count < _maxCachedClients)
            {
                return;
            }

            _nextSweep = now + SweepInterval;
            Sweep(now);
        }
    }

    private CachedClient Create(TenantEnvelope envelope)
    {
        Interlocked.Increment(ref _clientsCreated);
        var credentials = new TenantSessionCredentials(envelope);
        return new CachedClient(new TracedDynamoDbClient(credentials, _config, envelope.OrganizationId), credentials);
    }

    private static AmazonDynamoDBConfig CreateConfig(TenantDynamoDbOptions options)
    {
        var config = new AmazonDynamoDBConfig
        {
            Timeout = options.Timeout,
            ConnectTimeout = options.ConnectTimeout,
            MaxErrorRetry = options.MaxErrorRetry,
        };
        if (!string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        return config;
    }

    private sealed record CachedClient(AmazonDynamoDBClient Client, TenantSessionCredentials Credentials);
}
