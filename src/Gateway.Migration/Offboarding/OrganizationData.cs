using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Isolation.Configuration;
using Gateway.Migration.Invocation;
using Gateway.Migration.Items;
using Gateway.Migration.Validation;

namespace Gateway.Migration.Offboarding;

/// <summary>
/// One table holding an organization's items: a configured tenant table (<c>TenantIsolation:Tables</c>, read by a Query
/// on each of the organization's partition keys) or the membership table (<c>TenantIsolation:Membership:MembershipTable</c>,
/// its rows of the organization: a Query when the table is partitioned by organization, else a Scan whose filter is
/// exact equality on <see cref="OrganizationAttribute"/>).
/// </summary>
internal sealed record DataSource(string Table, KeyShape Key, bool Membership, string OrganizationAttribute)
{
    /// <summary>A tenant table's partition-key values holding the organization's items (<see cref="OrganizationData.Partitions"/>); null = the organization id alone.</summary>
    public IReadOnlyList<string>? PartitionValues { get; init; }

    /// <summary>The export's file for this table: <c>{table}.jsonl</c> (table names are <c>[A-Za-z0-9_.-]</c>).</summary>
    public string File => Table + ".jsonl";

    /// <summary>Read by a Scan with an equality filter (a membership table keyed by user first), not a Query.</summary>
    public bool Scanned => Membership && !string.Equals(Key.PartitionKey, OrganizationAttribute, StringComparison.Ordinal);

    public Dictionary<string, AttributeValue> KeyOf(Dictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Key.Names.ToDictionary(n => n, n => item[n], StringComparer.Ordinal);
    }
}

/// <summary>
/// Where an organization's data is and how it is read page by page, for <c>export</c> and <c>erase</c>: never a Scan of
/// a tenant table, so an item of another organization (<c>acme-2</c> next to <c>acme</c>) is never read, let alone
/// exported or deleted; every item read is checked to carry the organization's partition key (fail closed).
/// </summary>
internal static class OrganizationData
{
    public const int DefaultPageSize = 1000;

    /// <summary>
    /// The configured tenant tables (sorted by name), then the membership table; key schemas from DescribeTable. Each tenant
    /// table is read at <paramref name="partitions"/> (<see cref="CurrentPartitionsAsync"/>, <see cref="EveryPartition"/>;
    /// null = the organization id alone).
    /// </summary>
    /// <exception cref="UsageException">A table is missing, or its key does not match the configuration.</exception>
    public static async Task<IReadOnlyList<DataSource>> ResolveAsync(IAmazonDynamoDB dynamoDb, TenantIsolationOptions options, IReadOnlyList<string>? partitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sources = new List<DataSource>();
        foreach (var (table, configured) in options.Tables.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var key = await Tables.DescribeKeyAsync(dynamoDb, table, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(key.PartitionKey, configured.PartitionKey, StringComparison.Ordinal) || key.PartitionKeyType != "S")
            {
                throw new UsageException($"tenant table '{table}' has partition key {key.PartitionKey} ({key.PartitionKeyType}); the gateway configuration says {configured.PartitionKey} (a string)");
            }

            sources.Add(new DataSource(table, key, Membership: false, configured.PartitionKey) { PartitionValues = partitions });
        }

        var membership = options.Membership;
        var membershipKey = await Tables.DescribeKeyAsync(dynamoDb, membership.MembershipTable, cancellationToken).ConfigureAwait(false);
        if (!membershipKey.Names.Contains(membership.OrganizationIdAttribute, StringComparer.Ordinal))
        {
            throw new UsageException($"membership table '{membership.MembershipTable}' has no key attribute {membership.OrganizationIdAttribute} (TenantIsolation:Membership:OrganizationIdAttribute)");
        }

        sources.Add(new DataSource(membership.MembershipTable, membershipKey, Membership: true, membership.OrganizationIdAttribute));
        return sources;
    }

    /// <summary>
    /// The partition key values holding <paramref name="organization"/>'s items in a tenant table, in a stable order: the
    /// organization id, or (sharded, issue 23) its shard keys <c>{org}#0</c>… as <see cref="ResolveAsync"/> was given them.
    /// </summary>
    public static IReadOnlyList<string> Partitions(DataSource source, string organization)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.PartitionValues ?? [organization];
    }

    /// <summary>
    /// The keys of <paramref name="organization"/>'s current shard count (its organizations item; no item = unsharded),
    /// shard 0 first. While a reshard is under way the items are in two layouts at once: refused (bad input) — finish it first.
    /// </summary>
    /// <exception cref="UsageException">A reshard is under way, or the item's shard count is invalid.</exception>
    public static async Task<IReadOnlyList<string>> CurrentPartitionsAsync(IAmazonDynamoDB dynamoDb, MembershipOptions membership, string verb, string organization, CancellationToken cancellationToken)
    {
        var state = await Sharding.ShardState.ReadAsync(dynamoDb, membership, organization, cancellationToken).ConfigureAwait(false);
        if (state is { InProgress: true })
        {
            throw new UsageException($"{verb}: organization '{organization}' is being resharded from {state.From} to {state.To} shards ({state.Status}); finish it first: reshard --organization {organization} --shards {state.To}");
        }

        return Gateway.Backend.DynamoDb.TenantShards.PartitionKeys(organization, state?.Shards ?? 1);
    }

    /// <summary>Every partition key value <paramref name="organization"/> can have: the id, then <c>{org}#0</c> … <c>{org}#63</c> (erase leaves nothing in any of them, whatever the shard count was).</summary>
    public static IReadOnlyList<string> EveryPartition(string organization)
        => [organization, .. Gateway.Backend.DynamoDb.TenantShards.PartitionKeys(organization, Gateway.Backend.DynamoDb.TenantShards.MaxShards)];

    /// <summary>The pages of one partition of <paramref name="source"/> from <paramref name="startKey"/> (null = the beginning).</summary>
    public static async IAsyncEnumerable<Tables.Page> PagesAsync(
        IAmazonDynamoDB dynamoDb, DataSource source, string organization, string partition, Dictionary<string, AttributeValue>? startKey, int pageSize,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var pages = source.Scanned
            ? Tables.ScanAsync(dynamoDb, source.Table, 1, startKey is null ? null : new Dictionary<int, Dictionary<string, AttributeValue>> { [0] = startKey }, null,
                new ScanFilter(source.OrganizationAttribute, organization), cancellationToken, pageSize)
            : Tables.QueryPagesAsync(dynamoDb, source.Table, source.Key.PartitionKey, partition, startKey, pageSize, cancellationToken);
        var attribute = source.Scanned ? source.OrganizationAttribute : source.Key.PartitionKey;
        var expected = source.Scanned ? organization : partition;
        await foreach (var page in pages.ConfigureAwait(false))
        {
            foreach (var item in page.Items)
            {
                if (!item.TryGetValue(attribute, out var value) || !string.Equals(value.S, expected, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"{source.Table} answered an item whose {attribute} is not '{expected}'; stopped, nothing more done");
                }
            }

            yield return page;
        }
    }

    /// <summary>Count and content hash (the one <c>validate</c> computes) of <paramref name="organization"/>'s items in <paramref name="source"/> now.</summary>
    public static async Task<OrganizationDigest> DigestAsync(IAmazonDynamoDB dynamoDb, DataSource source, string organization, int pageSize, CancellationToken cancellationToken)
    {
        var digest = new OrganizationDigest(keepItems: false);
        foreach (var partition in Partitions(source, organization))
        {
            await foreach (var page in PagesAsync(dynamoDb, source, organization, partition, null, pageSize, cancellationToken).ConfigureAwait(false))
            {
                foreach (var item in page.Items)
                {
                    digest.Add(item);
                }
            }
        }

        return digest;
    }

    /// <summary>The tool's version (assembly informational version), written into manifests and erasure records.</summary>
    public static string ToolVersion
        => typeof(OrganizationData).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";
}
