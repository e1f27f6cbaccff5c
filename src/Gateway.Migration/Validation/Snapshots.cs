using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Migration.Items;
using Gateway.Migration.Planning;

namespace Gateway.Migration.Validation;

/// <summary>Reads <see cref="OrganizationDigest"/>s of the legacy table (mapped to target form) and of the target table.</summary>
internal static class Snapshots
{
    /// <summary>The legacy side for <paramref name="organizations"/>: a parallel Scan (filtered when there is one organization).</summary>
    public static async Task<Dictionary<string, OrganizationDigest>> ReadLegacyAsync(IAmazonDynamoDB dynamoDb, MigrationPlan plan, IReadOnlyCollection<string> organizations, int segments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var mapper = plan.Mapper();
        var wanted = organizations.ToHashSet(StringComparer.Ordinal);
        var quarantined = plan.Quarantine.Select(q => q.Key).ToHashSet(StringComparer.Ordinal);
        var digests = organizations.ToDictionary(o => o, _ => new OrganizationDigest(), StringComparer.Ordinal);
        var filter = organizations.Count == 1 ? new ScanFilter(plan.OrganizationAttribute, organizations.First()) : null;
        await foreach (var page in Tables.ScanAsync(dynamoDb, plan.SourceTable, segments, null, null, filter, cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page.Items)
            {
                if (!mapper.TryGetOrganization(item, out var organization, out _) || !wanted.Contains(organization)
                    || quarantined.Contains(ItemCodec.KeyString(item, mapper.Source.Names)))
                {
                    continue;
                }

                if (mapper.ToTarget(item, organization, out _) is { } target)
                {
                    digests[organization].Add(ItemCodec.KeyString(target, mapper.Target.Names), target);
                }
            }
        }

        return digests;
    }

    /// <summary>The target side: a Query per organization for a few, else one parallel Scan grouped by partition key.</summary>
    public static async Task<Dictionary<string, OrganizationDigest>> ReadTargetAsync(IAmazonDynamoDB dynamoDb, MigrationPlan plan, IReadOnlyCollection<string> organizations, int segments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var digests = organizations.ToDictionary(o => o, _ => new OrganizationDigest(), StringComparer.Ordinal);
        var key = plan.TargetKey;
        if (organizations.Count <= 10)
        {
            foreach (var organization in organizations)
            {
                await foreach (var item in QueryAsync(dynamoDb, plan.TargetTable, key.PartitionKey, organization, cancellationToken).ConfigureAwait(false))
                {
                    digests[organization].Add(ItemCodec.KeyString(item, key.Names), item);
                }
            }

            return digests;
        }

        await foreach (var page in Tables.ScanAsync(dynamoDb, plan.TargetTable, segments, null, null, null, cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page.Items)
            {
                if (item.TryGetValue(key.PartitionKey, out var pk) && pk.S is { } organization && digests.TryGetValue(organization, out var digest))
                {
                    digest.Add(ItemCodec.KeyString(item, key.Names), item);
                }
            }
        }

        return digests;
    }

    /// <summary>Every item of one partition (strongly consistent).</summary>
    public static async IAsyncEnumerable<Dictionary<string, AttributeValue>> QueryAsync(IAmazonDynamoDB dynamoDb, string table, string partitionKey, string organization, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in Tables.QueryPagesAsync(dynamoDb, table, partitionKey, organization, null, null, cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page.Items)
            {
                yield return item;
            }
        }
    }
}
