using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Backend.DynamoDb;
using Gateway.Migration.Invocation;
using Gateway.Migration.Items;
using Gateway.Migration.Offboarding;
using Gateway.Migration.Validation;

namespace Gateway.Migration.Resharding;

/// <summary>One stored item of the organization: where it is, where each shard count places it, its content hash (partition key read as the organization id).</summary>
internal sealed record ShardedItem(string Table, string Partition, string SortKey, Dictionary<string, AttributeValue> Item, string OldPlace, string NewPlace, byte[] Hash)
{
    /// <summary>Stored where the old shard count puts it: the organization's item as the gateway serves it before the flip.</summary>
    public bool Old => Partition == OldPlace;

    /// <summary>Stored where the new shard count puts it.</summary>
    public bool New => Partition == NewPlace;
}

/// <summary>
/// An organization's items in one tenant table, read with a Query on every partition key of the old and the new shard
/// count (never a Scan; every item read is checked to carry the key it was queried with), each placed by
/// <see cref="TenantShards.ShardOf(AttributeValue, int)"/> — the function backends use to write it.
/// </summary>
internal sealed class ShardLayout
{
    private ShardLayout(DataSource source, IReadOnlyList<string> oldKeys, IReadOnlyList<string> newKeys, List<ShardedItem> items)
    {
        Source = source;
        OldKeys = oldKeys;
        NewKeys = newKeys;
        Items = items;
    }

    public DataSource Source { get; }

    public IReadOnlyList<string> OldKeys { get; }

    public IReadOnlyList<string> NewKeys { get; }

    public IReadOnlyList<ShardedItem> Items { get; }

    /// <summary>The organization's items as served with the old shard count (sort key → item).</summary>
    public IEnumerable<ShardedItem> OldItems => Items.Where(i => i.Old);

    /// <summary>Items in the new keys where the new shard count places them (sort key → item).</summary>
    public IEnumerable<ShardedItem> NewItems => Items.Where(i => i.New);

    /// <summary>Items in the organization's keys that neither shard count places there (written by something else): never touched, always reported.</summary>
    public IEnumerable<ShardedItem> Strays => Items.Where(i => !i.Old && !i.New);

    public static async Task<ShardLayout> ReadAsync(IAmazonDynamoDB dynamoDb, DataSource source, string organization, int from, int to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var oldKeys = TenantShards.PartitionKeys(organization, from);
        var newKeys = TenantShards.PartitionKeys(organization, to);
        var sortKey = source.Key.SortKey;
        if (sortKey is null && (from > 1 || to > 1))
        {
            throw new UsageException($"reshard: tenant table '{source.Table}' has no sort key: a sharded organization's items are placed by the hash of their sort key");
        }

        var items = new List<ShardedItem>();
        foreach (var partition in oldKeys.Union(newKeys, StringComparer.Ordinal))
        {
            await foreach (var page in OrganizationData.PagesAsync(dynamoDb, source, partition, partition, null, OrganizationData.DefaultPageSize, cancellationToken).ConfigureAwait(false))
            {
                foreach (var item in page.Items)
                {
                    var value = sortKey is null ? null : item[sortKey];
                    items.Add(new ShardedItem(
                        source.Table,
                        partition,
                        sortKey is null ? string.Empty : ItemCodec.KeyString(item, [sortKey]),
                        item,
                        Place(organization, value, from, source),
                        Place(organization, value, to, source),
                        ItemCodec.Hash(Normalized(item, source.Key.PartitionKey, organization))));
                }
            }
        }

        return new ShardLayout(source, oldKeys, newKeys, items);
    }

    /// <summary>The item as the organization sees it: the partition key is the organization id, whatever shard holds it.</summary>
    public static Dictionary<string, AttributeValue> Normalized(Dictionary<string, AttributeValue> item, string partitionKey, string organization)
    {
        ArgumentNullException.ThrowIfNull(item);
        return new Dictionary<string, AttributeValue>(item, StringComparer.Ordinal) { [partitionKey] = new AttributeValue { S = organization } };
    }

    /// <summary>The item stored under <paramref name="partition"/>.</summary>
    public static Dictionary<string, AttributeValue> At(Dictionary<string, AttributeValue> item, string partitionKey, string partition)
    {
        ArgumentNullException.ThrowIfNull(item);
        return new Dictionary<string, AttributeValue>(item, StringComparer.Ordinal) { [partitionKey] = new AttributeValue { S = partition } };
    }

    /// <summary>Count and hash (validate's) of items, their partition key read as the organization id.</summary>
    public static OrganizationDigest Digest(IEnumerable<ShardedItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var digest = new OrganizationDigest(keepItems: false);
        foreach (var item in items)
        {
            digest.Add(item.Hash);
        }

        return digest;
    }

    private static string Place(string organization, AttributeValue? sortKey, int shards, DataSource source)
    {
        if (shards == 1 || sortKey is null)
        {
            return organization;
        }

        try
        {
            return TenantShards.PartitionKey(organization, TenantShards.ShardOf(sortKey, shards), shards);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"reshard: an item of '{organization}' in '{source.Table}' has a sort key the shard function refuses ({e.Message.ReplaceLineEndings(" ")})", e);
        }
    }
}
