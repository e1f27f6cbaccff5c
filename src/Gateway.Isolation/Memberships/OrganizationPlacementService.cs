using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Policies;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Memberships;

/// <summary>
/// The organization's status and data location (<see cref="OrganizationPlacement"/>), read with the gateway's own
/// credentials (GetItem, strongly consistent) and cached for <see cref="MembershipOptions.StatusTtl"/> (read from the current
/// options when an answer is cached, so a reloaded TTL applies to the next answer) only — separate
/// from, and much shorter than, the membership cache, so that a MIGRATING status set by <c>cutover</c> is seen within
/// that TTL. Concurrent misses share one read; read failures are never cached and surface as
/// <see cref="MembershipUnavailableException"/> (the caller fails closed).
/// </summary>
internal sealed class OrganizationPlacementService : IDisposable
{
    private readonly Func<string, CancellationToken, Task<Dictionary<string, AttributeValue>?>> _read;
    private readonly TimeProvider _time;
    private readonly IOptionsMonitor<TenantIsolationOptions> _options;
    private readonly int _sizeLimit;
    private readonly MemoryCache _cache;
    private readonly SingleFlight<string, OrganizationPlacement> _flights = new();

    /// <param name="read">Reads an organization's item (null when there is none); throws AWS or network exceptions (tests pass a fake).</param>
    public OrganizationPlacementService(Func<string, CancellationToken, Task<Dictionary<string, AttributeValue>?>> read, IOptionsMonitor<TenantIsolationOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _read = read;
        _time = time;
        _options = options;
        _sizeLimit = options.CurrentValue.Membership.CacheSizeLimit;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _sizeLimit, CompactionPercentage = 0.1 });
    }

    /// <exception cref="MembershipUnavailableException">The organizations table could not be read.</exception>
    public ValueTask<OrganizationPlacement> GetAsync(OrganizationId organizationId, CancellationToken cancellationToken)
    {
        var key = organizationId.Value;
        if (_cache.TryGetValue(key, out Cached? cached) && cached is not null && _time.GetUtcNow() < cached.ExpiresAt)
        {
            return ValueTask.FromResult(cached.Placement);
        }

        return new ValueTask<OrganizationPlacement>(_flights.Run(key, this, static (k, self) => self.LoadAsync(k), out _).WaitAsync(cancellationToken));
    }

    private async Task<OrganizationPlacement> LoadAsync(string organizationId)
    {
        Dictionary<string, AttributeValue>? item;
        try
        {
            item = await _read(organizationId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex)
        {
            throw new MembershipUnavailableException($"DynamoDB organization status lookup failed ({ex.ErrorCode ?? ex.StatusCode.ToString()}).", ex);
        }
        catch (Exception ex) when (ex is AmazonClientException or HttpRequestException or TimeoutException or OperationCanceledException or GatewayStartupException)
        {
            throw new MembershipUnavailableException("DynamoDB organization status lookup failed (client error, network or timeout).", ex);
        }

        var options = _options.CurrentValue.Membership;
        var placement = Classify(item, options);
        if (_cache.Count >= _sizeLimit)
        {
            _cache.Compact(0.1);
        }

        _cache.Set(organizationId, new Cached(placement, _time.GetUtcNow() + options.StatusTtl), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = options.StatusTtl });
        return placement;
    }

    /// <summary>The organization's item with the gateway's own DynamoDB client (the production reader).</summary>
    internal static async Task<Dictionary<string, AttributeValue>?> ReadAsync(IAmazonDynamoDB dynamoDb, MembershipOptions options, string organizationId, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = options.OrganizationsTable,
            Key = new Dictionary<string, AttributeValue>(1) { [options.OrganizationsKeyAttribute] = new AttributeValue { S = organizationId } },
            ConsistentRead = true,
        }, cancellationToken).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? item : null;
    }

    /// <summary>The placement an organizations-table item (or none) stands for.</summary>
    internal static OrganizationPlacement Classify(Dictionary<string, AttributeValue>? item, MembershipOptions options)
    {
        if (item is not { Count: > 0 })
        {
            return OrganizationPlacement.Unknown;
        }

        var status = item.TryGetValue(options.StatusAttribute, out var s) ? s.S : null;
        if (string.Equals(status, options.MigratingStatus, StringComparison.Ordinal))
        {
            return OrganizationPlacement.Migrating;
        }

        if (!string.Equals(status, options.ActiveStatus, StringComparison.Ordinal))
        {
            return OrganizationPlacement.Inactive;
        }

        if (!item.TryGetValue(options.DataLocationAttribute, out var location) || string.Equals(location.S, options.LegacyLocation, StringComparison.Ordinal))
        {
            return OrganizationPlacement.Legacy;
        }

        return string.Equals(location.S, options.PartitionedLocation, StringComparison.Ordinal) ? OrganizationPlacement.Partitioned : OrganizationPlacement.UnknownLocation;
    }

    public void Dispose() => _cache.Dispose();

    private sealed record Cached(OrganizationPlacement Placement, DateTimeOffset ExpiresAt);
}
