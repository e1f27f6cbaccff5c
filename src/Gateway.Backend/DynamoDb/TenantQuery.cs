using Amazon.DynamoDBv2.Model;

namespace Gateway.Backend.DynamoDb;

/// <summary>
/// Optional parts of a <see cref="TenantTable.QueryAsync"/>. The partition-key condition is never part of it:
/// the table adds <c>#tenant_pk = :tenant_pk</c> for the caller's organization itself.
/// </summary>
public sealed record TenantQuery
{
    /// <summary>
    /// A global/local secondary index whose partition key is also the organization's partition-key attribute (for a
    /// sharded organization its items carry their shard key there, so the index is queried shard by shard too).
    /// </summary>
    public string? IndexName { get; init; }

    /// <summary>
    /// The index's sort-key attribute, if it has one: with a sharded organization the shards are merged in its order and
    /// pagination tokens carry it. Without it the shards of an index query are returned one after the other.
    /// </summary>
    public string? IndexSortKeyName { get; init; }

    /// <summary>Sort-key condition, e.g. <c>begins_with(#name, :prefix)</c>; ANDed with the partition condition.</summary>
    public string? SortKeyCondition { get; init; }

    /// <summary>Filter expression applied after the key condition.</summary>
    public string? FilterExpression { get; init; }

    /// <summary>Expression attribute names (must not use <c>#tenant_pk</c>).</summary>
    public IReadOnlyDictionary<string, string>? Names { get; init; }

    /// <summary>Expression attribute values (must not use <c>:tenant_pk</c>).</summary>
    public IReadOnlyDictionary<string, AttributeValue>? Values { get; init; }

    /// <summary>
    /// Most items to return (across pages and shards); null = the whole partition. With
    /// <see cref="TenantTable.QueryPageAsync"/>, the page size.
    /// </summary>
    public int? Limit { get; init; }

    /// <summary>
    /// Where to continue: the <see cref="TenantQueryPage{T}.PaginationToken"/> of the previous page (same table, index and
    /// order). Checked before anything is queried; a token that is not this organization's is refused with
    /// <see cref="InvalidPaginationTokenException"/>.
    /// </summary>
    public string? PaginationToken { get; init; }

    /// <summary>Ascending sort-key order (default) or descending.</summary>
    public bool ScanIndexForward { get; init; } = true;

    /// <summary>Strongly consistent read (not on global secondary indexes).</summary>
    public bool ConsistentRead { get; init; }
}
