using Amazon.DynamoDBv2.Model;

namespace Gateway.Backend.DynamoDb;

/// <summary>
/// A typed <see cref="TenantTable"/>: the same organization-bound operations, mapping items to and from
/// <typeparamref name="T"/>. Get one with <c>tenant.Table("Applications", Application.FromItem, a =&gt; a.ToItem())</c>.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class TenantTable<T>
    where T : class
{
    private readonly Func<Dictionary<string, AttributeValue>, T> _read;
    private readonly Func<T, Dictionary<string, AttributeValue>> _write;

    /// <summary>Wraps <paramref name="table"/> with the item mappings.</summary>
    public TenantTable(TenantTable table, Func<Dictionary<string, AttributeValue>, T> read, Func<T, Dictionary<string, AttributeValue>> write)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(write);
        Untyped = table;
        _read = read;
        _write = write;
    }

    /// <summary>The untyped view (same organization, same table).</summary>
    public TenantTable Untyped { get; }

    /// <summary>See <see cref="TenantTable.QueryAsync"/>.</summary>
    public async Task<IReadOnlyList<T>> QueryAsync(TenantQuery? query = null, CancellationToken cancellationToken = default)
    {
        var items = await Untyped.QueryAsync(query, cancellationToken).ConfigureAwait(false);
        return items.Select(_read).ToArray();
    }

    /// <summary>See <see cref="TenantTable.QueryPageAsync"/>.</summary>
    /// <exception cref="InvalidPaginationTokenException">The token is not one of this organization's for this query.</exception>
    public async Task<TenantQueryPage<T>> QueryPageAsync(TenantQuery query, CancellationToken cancellationToken = default)
    {
        var page = await Untyped.QueryPageAsync(query, cancellationToken).ConfigureAwait(false);
        return new TenantQueryPage<T>(page.Items.Select(_read).ToArray(), page.PaginationToken);
    }

    /// <summary>See <see cref="TenantTable.GetItemAsync"/>.</summary>
    public async Task<T?> GetItemAsync(string sortKeyName, AttributeValue sortKeyValue, bool consistentRead = false, CancellationToken cancellationToken = default)
    {
        var item = await Untyped.GetItemAsync(sortKeyName, sortKeyValue, consistentRead, cancellationToken).ConfigureAwait(false);
        return item is null ? null : _read(item);
    }

    /// <summary>See <see cref="TenantTable.PutItemAsync"/> (an item naming another organization is refused).</summary>
    public Task PutItemAsync(
        T item,
        string? conditionExpression = null,
        IReadOnlyDictionary<string, string>? names = null,
        IReadOnlyDictionary<string, AttributeValue>? values = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Untyped.PutItemAsync(_write(item), conditionExpression, names, values, cancellationToken);
    }

    /// <summary>See <see cref="TenantTable.UpdateItemAsync"/>.</summary>
    public async Task<T> UpdateItemAsync(
        string sortKeyName,
        AttributeValue sortKeyValue,
        string updateExpression,
        string? conditionExpression = null,
        IReadOnlyDictionary<string, string>? names = null,
        IReadOnlyDictionary<string, AttributeValue>? values = null,
        CancellationToken cancellationToken = default) =>
        _read(await Untyped.UpdateItemAsync(sortKeyName, sortKeyValue, updateExpression, conditionExpression, names, values, cancellationToken).ConfigureAwait(false));

    /// <summary>See <see cref="TenantTable.BatchGetItemAsync"/>.</summary>
    public async Task<IReadOnlyList<T>> BatchGetItemAsync(
        string sortKeyName, IEnumerable<AttributeValue> sortKeyValues, bool consistentRead = false, CancellationToken cancellationToken = default)
    {
        var items = await Untyped.BatchGetItemAsync(sortKeyName, sortKeyValues, consistentRead, cancellationToken).ConfigureAwait(false);
        return items.Select(_read).ToArray();
    }

    /// <summary>See <see cref="TenantTable.BatchWriteItemAsync"/>.</summary>
    public Task BatchWriteItemAsync(IEnumerable<T>? puts, IEnumerable<AttributeValue>? deleteSortKeyValues = null, CancellationToken cancellationToken = default) =>
        Untyped.BatchWriteItemAsync(puts?.Select(_write), deleteSortKeyValues, cancellationToken);

    /// <summary>See <see cref="TenantTable.DeleteItemAsync"/>.</summary>
    public Task<bool> DeleteItemAsync(string sortKeyName, AttributeValue sortKeyValue, CancellationToken cancellationToken = default) =>
        Untyped.DeleteItemAsync(sortKeyName, sortKeyValue, cancellationToken);
}
