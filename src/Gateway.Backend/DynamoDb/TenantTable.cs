using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Gateway.Backend.DynamoDb;

/// <summary>
/// A tenant table seen from one organization: every call supplies the partition key from the tenant context, so
/// application code never types the organization id. IAM enforces the same boundary underneath; this helper makes
/// the safe path the easy one. Get one with <c>tenant.Table("Applications", sortKeyName: "applicationId")</c>.
/// </summary>
/// <remarks>
/// A sharded organization (<see cref="Shards"/> &gt; 1) has one partition-key value per shard, <c>{org}#{k}</c>: an item
/// lives in the shard <see cref="TenantShards.ShardOf(AttributeValue, int)"/> picks from its sort key; item operations go
/// to that shard, queries run on every shard and are merged in sort-key order. Items come back with the partition-key
/// attribute set to the organization id (the shard is where the item is stored, not what it is). With one shard the
/// requests are exactly those of an unsharded table: partition key <c>{org}</c>.
/// </remarks>
public sealed class TenantTable
{
    private const string PartitionName = "#tenant_pk";
    private const string PartitionValue = ":tenant_pk";
    private const int BatchGetSize = 100;
    private const int BatchWriteSize = 25;

    private readonly IAmazonDynamoDB _client;
    private readonly IReadOnlyList<string> _partitionKeys;

    /// <summary>Creates the view of <paramref name="tableName"/> for <paramref name="organizationId"/>.</summary>
    /// <param name="client">The scoped client.</param>
    /// <param name="organizationId">The caller's organization.</param>
    /// <param name="tableName">The DynamoDB table.</param>
    /// <param name="partitionKeyName">The partition-key attribute (holds the organization id, or its shard keys).</param>
    /// <param name="sortKeyName">The table's sort-key attribute; required for a sharded organization (the shard is a hash of it).</param>
    /// <param name="shards">The organization's shard count (<c>ITenantContext.Shards</c>): 1 or a power of two up to 64.</param>
    public TenantTable(
        IAmazonDynamoDB client, string organizationId, string tableName, string partitionKeyName = "organizationId", string? sortKeyName = null, int shards = 1)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        ArgumentException.ThrowIfNullOrWhiteSpace(partitionKeyName);
        if (!TenantShards.IsValidShardCount(shards))
        {
            throw new ArgumentOutOfRangeException(nameof(shards), shards, $"A shard count is 1 or a power of two up to {TenantShards.MaxShards}.");
        }

        if (sortKeyName is not null && (string.IsNullOrWhiteSpace(sortKeyName) || string.Equals(sortKeyName, partitionKeyName, StringComparison.Ordinal)))
        {
            throw new ArgumentException("The sort key must be named and differ from the partition key.", nameof(sortKeyName));
        }

        _client = client;
        OrganizationId = organizationId;
        TableName = tableName;
        PartitionKeyName = partitionKeyName;
        SortKeyName = sortKeyName;
        Shards = shards;
        _partitionKeys = TenantShards.PartitionKeys(organizationId, shards);
    }

    /// <summary>The organization whose partition this view reads and writes.</summary>
    public string OrganizationId { get; }

    /// <summary>The DynamoDB table name.</summary>
    public string TableName { get; }

    /// <summary>The partition-key attribute holding the organization id.</summary>
    public string PartitionKeyName { get; }

    /// <summary>The table's sort-key attribute, when given.</summary>
    public string? SortKeyName { get; }

    /// <summary>The organization's shard count (1 = one partition-key value, the organization id).</summary>
    public int Shards { get; }

    /// <summary>Most shard queries (or batch calls) in flight at once for one call. Default 8.</summary>
    public int MaxParallelism { get; init; } = 8;

    /// <summary>Clock for batch back-off.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Queries the organization's partition (every shard, merged in sort-key order), following pages up to
    /// <see cref="TenantQuery.Limit"/> items, from <see cref="TenantQuery.PaginationToken"/> when given.
    /// </summary>
    /// <exception cref="InvalidPaginationTokenException">The token is not one of this organization's for this query.</exception>
    public async Task<IReadOnlyList<Dictionary<string, AttributeValue>>> QueryAsync(TenantQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new TenantQuery();
        var (run, start) = Prepare(query);
        var (items, _) = await run.RunAsync(start, query.Limit, wantCursors: false, cancellationToken).ConfigureAwait(false);
        return Normalize(items);
    }

    /// <summary>
    /// One page of at most <see cref="TenantQuery.Limit"/> items (every shard, merged in sort-key order), and the token
    /// for the next page (null when there is none). Pass the token back as <see cref="TenantQuery.PaginationToken"/>
    /// with the same query: every item is returned exactly once across the pages.
    /// </summary>
    /// <exception cref="InvalidPaginationTokenException">The token is not one of this organization's for this query.</exception>
    public async Task<TenantQueryPage<Dictionary<string, AttributeValue>>> QueryPageAsync(TenantQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (run, start) = Prepare(query);
        var (items, next) = await run.RunAsync(start, query.Limit, wantCursors: true, cancellationToken).ConfigureAwait(false);
        var token = next!.All(c => c.Done) ? null : TenantPaginationToken.Encode(Shape(query), next!);
        return new TenantQueryPage<Dictionary<string, AttributeValue>>(Normalize(items), token);
    }

    /// <summary>Gets the organization's item with the given sort key (from its shard), or null.</summary>
    public async Task<Dictionary<string, AttributeValue>?> GetItemAsync(
        string sortKeyName, AttributeValue sortKeyValue, bool consistentRead = false, CancellationToken cancellationToken = default)
    {
        var response = await _client.GetItemAsync(new GetItemRequest
        {
            TableName = TableName,
            Key = Key(sortKeyName, sortKeyValue),
            ConsistentRead = consistentRead ? true : null,
        }, cancellationToken).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? Normalize(item) : null;
    }

    /// <summary>
    /// Puts <paramref name="item"/> into the organization's partition (the partition key is set for you: the
    /// organization id, or the shard key its sort key hashes to).
    /// </summary>
    /// <exception cref="ArgumentException">The item already names another organization (or another shard).</exception>
    public async Task PutItemAsync(
        Dictionary<string, AttributeValue> item,
        string? conditionExpression = null,
        IReadOnlyDictionary<string, string>? names = null,
        IReadOnlyDictionary<string, AttributeValue>? values = null,
        CancellationToken cancellationToken = default)
    {
        await _client.PutItemAsync(new PutItemRequest
        {
            TableName = TableName,
            Item = Placed(item),
            ConditionExpression = conditionExpression,
            ExpressionAttributeNames = names is null ? null : new Dictionary<string, string>(names, StringComparer.Ordinal),
            ExpressionAttributeValues = values is null ? null : new Dictionary<string, AttributeValue>(values, StringComparer.Ordinal),
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Updates the organization's item with the given sort key (in its shard) and returns it as it is afterwards
    /// (<c>ReturnValues=ALL_NEW</c>). The key attributes cannot be updated (DynamoDB refuses it).
    /// </summary>
    public async Task<Dictionary<string, AttributeValue>> UpdateItemAsync(
        string sortKeyName,
        AttributeValue sortKeyValue,
        string updateExpression,
        string? conditionExpression = null,
        IReadOnlyDictionary<string, string>? names = null,
        IReadOnlyDictionary<string, AttributeValue>? values = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(updateExpression);
        var response = await _client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = TableName,
            Key = Key(sortKeyName, sortKeyValue),
            UpdateExpression = updateExpression,
            ConditionExpression = conditionExpression,
            ExpressionAttributeNames = names is null ? null : new Dictionary<string, string>(names, StringComparer.Ordinal),
            ExpressionAttributeValues = values is null ? null : new Dictionary<string, AttributeValue>(values, StringComparer.Ordinal),
            ReturnValues = ReturnValue.ALL_NEW,
        }, cancellationToken).ConfigureAwait(false);
        return Normalize(response.Attributes ?? []);
    }

    /// <summary>Deletes the organization's item with the given sort key (from its shard); true when it existed.</summary>
    public async Task<bool> DeleteItemAsync(string sortKeyName, AttributeValue sortKeyValue, CancellationToken cancellationToken = default)
    {
        var response = await _client.DeleteItemAsync(new DeleteItemRequest
        {
            TableName = TableName,
            Key = Key(sortKeyName, sortKeyValue),
            ReturnValues = ReturnValue.ALL_OLD,
        }, cancellationToken).ConfigureAwait(false);
        return response.Attributes is { Count: > 0 };
    }

    /// <summary>
    /// Gets the organization's items with these sort keys: <c>BatchGetItem</c> calls grouped per shard (100 keys each,
    /// duplicates removed), <c>UnprocessedKeys</c> and throttling retried with back-off. Order is not defined; absent
    /// items are simply missing.
    /// </summary>
    public async Task<IReadOnlyList<Dictionary<string, AttributeValue>>> BatchGetItemAsync(
        string sortKeyName, IEnumerable<AttributeValue> sortKeyValues, bool consistentRead = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sortKeyValues);
        var keys = sortKeyValues.Select(v => Key(sortKeyName, v)).DistinctBy(KeyIdentity, StringComparer.Ordinal).ToList();
        var batches = Batches(keys, k => k[PartitionKeyName].S, BatchGetSize);
        var found = new List<Dictionary<string, AttributeValue>>();
        var gate = new Lock();
        await Parallel.ForEachAsync(batches, ParallelOptionsFor(cancellationToken), async (batch, ct) =>
        {
            var items = await BatchGetAsync(batch, consistentRead, ct).ConfigureAwait(false);
            lock (gate)
            {
                found.AddRange(items);
            }
        }).ConfigureAwait(false);
        return Normalize(found);
    }

    /// <summary>
    /// Puts and deletes the organization's items: <c>BatchWriteItem</c> calls grouped per shard (25 requests each),
    /// <c>UnprocessedItems</c> and throttling retried with back-off. Partition keys are set as by <see cref="PutItemAsync"/>;
    /// deletes are by sort-key value (<see cref="SortKeyName"/> required).
    /// </summary>
    /// <exception cref="ArgumentException">An item names another organization.</exception>
    public async Task BatchWriteItemAsync(
        IEnumerable<Dictionary<string, AttributeValue>>? puts,
        IEnumerable<AttributeValue>? deleteSortKeyValues = null,
        CancellationToken cancellationToken = default)
    {
        var requests = new List<WriteRequest>();
        foreach (var item in puts ?? [])
        {
            requests.Add(new WriteRequest { PutRequest = new PutRequest { Item = Placed(item) } });
        }

        if (deleteSortKeyValues is not null)
        {
            var sortKeyName = SortKeyName ?? throw new InvalidOperationException("BatchWriteItemAsync deletes need the table's sort-key name (TenantTable sortKeyName).");
            foreach (var value in deleteSortKeyValues)
            {
                requests.Add(new WriteRequest { DeleteRequest = new DeleteRequest { Key = Key(sortKeyName, value) } });
            }
        }

        var batches = Batches(requests, r => (r.PutRequest?.Item ?? r.DeleteRequest.Key)[PartitionKeyName].S, BatchWriteSize);
        await Parallel.ForEachAsync(batches, ParallelOptionsFor(cancellationToken), async (batch, ct) =>
            await BatchWriteAsync(batch, ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>The partition-key value (shard key) an item with this sort-key value lives under.</summary>
    public string PartitionKeyFor(AttributeValue sortKeyValue) =>
        _partitionKeys[TenantShards.ShardOf(sortKeyValue, Shards)];

    private (ShardedQuery Run, IReadOnlyList<ShardCursor> Start) Prepare(TenantQuery query)
    {
        if (query.Limit is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), "TenantQuery.Limit must be positive.");
        }

        if (Shards > 1 && SortKeyName is null)
        {
            throw new InvalidOperationException($"Organization '{OrganizationId}' has {Shards} shards: TenantTable needs the table's sort-key name to merge them.");
        }

        var names = new Dictionary<string, string>(StringComparer.Ordinal) { [PartitionName] = PartitionKeyName };
        var values = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { [PartitionValue] = new AttributeValue { S = OrganizationId } };
        Merge(names, query.Names, PartitionName);
        Merge(values, query.Values, PartitionValue);
        var keyCondition = string.IsNullOrWhiteSpace(query.SortKeyCondition)
            ? $"{PartitionName} = {PartitionValue}"
            : $"{PartitionName} = {PartitionValue} AND ({query.SortKeyCondition})";

        var cursorKeys = new List<string>();
        if (SortKeyName is not null)
        {
            cursorKeys.Add(SortKeyName);
        }

        if (query.IndexName is not null && query.IndexSortKeyName is { } indexSortKey && !cursorKeys.Contains(indexSortKey))
        {
            cursorKeys.Add(indexSortKey);
        }

        var start = query.PaginationToken is { } token
            ? TenantPaginationToken.Decode(token, Shape(query), new HashSet<string>(cursorKeys.Append(PartitionKeyName), StringComparer.Ordinal))
            : Enumerable.Repeat(ShardCursor.Start, Shards).ToArray();

        QueryRequest RequestFor(int shard) => new()
        {
            TableName = TableName,
            IndexName = query.IndexName,
            KeyConditionExpression = keyCondition,
            FilterExpression = string.IsNullOrWhiteSpace(query.FilterExpression) ? null : query.FilterExpression,
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = Shards == 1
                ? values
                : new Dictionary<string, AttributeValue>(values, StringComparer.Ordinal) { [PartitionValue] = new AttributeValue { S = _partitionKeys[shard] } },
            ScanIndexForward = query.ScanIndexForward,
            ConsistentRead = query.ConsistentRead ? true : null,
        };

        var orderBy = query.IndexName is null ? SortKeyName : query.IndexSortKeyName;
        return (new ShardedQuery(_client, RequestFor, _partitionKeys, PartitionKeyName, orderBy, cursorKeys, query.ScanIndexForward, MaxParallelism), start);
    }

    private QueryShape Shape(TenantQuery query) =>
        new(OrganizationId, Shards, TableName, query.IndexName, query.ScanIndexForward, PartitionKeyName);

    private Dictionary<string, AttributeValue> Key(string sortKeyName, AttributeValue sortKeyValue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sortKeyName);
        ArgumentNullException.ThrowIfNull(sortKeyValue);
        if (string.Equals(sortKeyName, PartitionKeyName, StringComparison.Ordinal))
        {
            throw new ArgumentException("The sort key cannot be the partition key; the partition key is always the caller's organization.", nameof(sortKeyName));
        }

        if (Shards > 1 && SortKeyName is not null && !string.Equals(sortKeyName, SortKeyName, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{sortKeyName}' is not the table's sort key '{SortKeyName}'; the shard is chosen by the table's sort key.", nameof(sortKeyName));
        }

        return new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            [PartitionKeyName] = new AttributeValue { S = PartitionKeyFor(sortKeyValue) },
            [sortKeyName] = sortKeyValue,
        };
    }

    /// <summary>A copy of <paramref name="item"/> with the partition key of its shard; refuses an item naming another organization.</summary>
    private Dictionary<string, AttributeValue> Placed(Dictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        string partitionKey;
        if (Shards == 1)
        {
            partitionKey = OrganizationId;
        }
        else
        {
            var sortKeyName = SortKeyName ?? throw new InvalidOperationException(
                $"Organization '{OrganizationId}' has {Shards} shards: TenantTable needs the table's sort-key name to place an item.");
            if (!item.TryGetValue(sortKeyName, out var sortKey))
            {
                throw new ArgumentException($"The item has no sort key '{sortKeyName}'.", nameof(item));
            }

            partitionKey = PartitionKeyFor(sortKey);
        }

        if (item.TryGetValue(PartitionKeyName, out var existing)
            && !string.Equals(existing?.S, OrganizationId, StringComparison.Ordinal)
            && !string.Equals(existing?.S, partitionKey, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The item's '{PartitionKeyName}' names another organization than the caller's.", nameof(item));
        }

        return new Dictionary<string, AttributeValue>(item, StringComparer.Ordinal)
        {
            [PartitionKeyName] = new AttributeValue { S = partitionKey },
        };
    }

    private async Task<List<Dictionary<string, AttributeValue>>> BatchGetAsync(
        List<Dictionary<string, AttributeValue>> keys, bool consistentRead, CancellationToken cancellationToken)
    {
        var found = new List<Dictionary<string, AttributeValue>>();
        var pending = new KeysAndAttributes { Keys = keys, ConsistentRead = consistentRead ? true : null };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var response = await _client.BatchGetItemAsync(new BatchGetItemRequest
                {
                    RequestItems = new Dictionary<string, KeysAndAttributes>(StringComparer.Ordinal) { [TableName] = pending },
                }, cancellationToken).ConfigureAwait(false);
                if (response.Responses is { } responses && responses.TryGetValue(TableName, out var items))
                {
                    found.AddRange(items);
                }

                if (response.UnprocessedKeys is not { Count: > 0 } unprocessed || !unprocessed.TryGetValue(TableName, out var left) || left.Keys is not { Count: > 0 })
                {
                    return found;
                }

                pending = left;
            }
            catch (AmazonDynamoDBException e) when (BatchRetry.IsThrottling(e) && attempt < BatchRetry.MaxAttempts)
            {
                // the SDK's own retries are exhausted; keep backing off below
            }

            if (attempt >= BatchRetry.MaxAttempts)
            {
                throw new InvalidOperationException($"BatchGetItem on {TableName}: {pending.Keys.Count} keys still unprocessed after {BatchRetry.MaxAttempts} attempts (throttled).");
            }

            await BatchRetry.DelayAsync(attempt, TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task BatchWriteAsync(List<WriteRequest> batch, CancellationToken cancellationToken)
    {
        var pending = batch;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var response = await _client.BatchWriteItemAsync(new BatchWriteItemRequest
                {
                    RequestItems = new Dictionary<string, List<WriteRequest>>(StringComparer.Ordinal) { [TableName] = pending },
                }, cancellationToken).ConfigureAwait(false);
                if (response.UnprocessedItems is not { Count: > 0 } unprocessed || !unprocessed.TryGetValue(TableName, out var left) || left.Count == 0)
                {
                    return;
                }

                pending = left;
            }
            catch (AmazonDynamoDBException e) when (BatchRetry.IsThrottling(e) && attempt < BatchRetry.MaxAttempts)
            {
                // the SDK's own retries are exhausted; keep backing off below
            }

            if (attempt >= BatchRetry.MaxAttempts)
            {
                throw new InvalidOperationException($"BatchWriteItem on {TableName}: {pending.Count} requests still unprocessed after {BatchRetry.MaxAttempts} attempts (throttled).");
            }

            await BatchRetry.DelayAsync(attempt, TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Groups by shard key, then cuts each group into batches of <paramref name="size"/>.</summary>
    private static List<List<TItem>> Batches<TItem>(IEnumerable<TItem> items, Func<TItem, string?> shardKey, int size) =>
        items.GroupBy(shardKey, StringComparer.Ordinal)
            .SelectMany(group => group.Chunk(size).Select(chunk => chunk.ToList()))
            .ToList();

    private ParallelOptions ParallelOptionsFor(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = Math.Max(1, MaxParallelism), CancellationToken = cancellationToken };

    private static string KeyIdentity(Dictionary<string, AttributeValue> key) =>
        string.Join('\u0001', key.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p =>
            p.Key + "\u0002" + (p.Value.S is not null ? "S" + p.Value.S : p.Value.N is not null ? "N" + p.Value.N : "B" + Convert.ToBase64String(p.Value.B?.ToArray() ?? []))));

    private Dictionary<string, AttributeValue> Normalize(Dictionary<string, AttributeValue> item)
    {
        if (Shards > 1 && item.ContainsKey(PartitionKeyName))
        {
            item[PartitionKeyName] = new AttributeValue { S = OrganizationId };
        }

        return item;
    }

    private List<Dictionary<string, AttributeValue>> Normalize(List<Dictionary<string, AttributeValue>> items)
    {
        foreach (var item in items)
        {
            Normalize(item);
        }

        return items;
    }

    private static void Merge<T>(Dictionary<string, T> target, IReadOnlyDictionary<string, T>? source, string reserved)
    {
        if (source is null)
        {
            return;
        }

        foreach (var (key, value) in source)
        {
            if (string.Equals(key, reserved, StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{reserved}' is reserved for the organization's partition key.", nameof(source));
            }

            target[key] = value;
        }
    }
}
