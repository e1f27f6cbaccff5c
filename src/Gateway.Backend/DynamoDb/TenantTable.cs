using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Gateway.Backend.DynamoDb;

/// <summary>
/// A tenant table seen from one organization: every call supplies the partition key from the tenant context, so
/// application code never types the organization id. IAM enforces the same boundary underneath; this helper makes
/// the safe path the easy one. Get one with <c>tenant.Table("Applications")</c>.
/// </summary>
public sealed class TenantTable
{
    private const string PartitionName = "#tenant_pk";
    private const string PartitionValue = ":tenant_pk";

    private readonly IAmazonDynamoDB _client;

    /// <summary>Creates the view of <paramref name="tableName"/> for <paramref name="organizationId"/>.</summary>
    public TenantTable(IAmazonDynamoDB client, string organizationId, string tableName, string partitionKeyName = "organizationId")
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        ArgumentException.ThrowIfNullOrWhiteSpace(partitionKeyName);
        _client = client;
        OrganizationId = organizationId;
        TableName = tableName;
        PartitionKeyName = partitionKeyName;
    }

    /// <summary>The organization whose partition this view reads and writes.</summary>
    public string OrganizationId { get; }

    /// <summary>The DynamoDB table name.</summary>
    public string TableName { get; }

    /// <summary>The partition-key attribute holding the organization id.</summary>
    public string PartitionKeyName { get; }

    /// <summary>Queries the organization's partition (all pages, up to <see cref="TenantQuery.Limit"/> items).</summary>
    public async Task<IReadOnlyList<Dictionary<string, AttributeValue>>> QueryAsync(TenantQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new TenantQuery();
        if (query.Limit is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), "TenantQuery.Limit must be positive.");
        }

        var names = new Dictionary<string, string>(StringComparer.Ordinal) { [PartitionName] = PartitionKeyName };
        var values = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { [PartitionValue] = new AttributeValue { S = OrganizationId } };
        Merge(names, query.Names, PartitionName);
        Merge(values, query.Values, PartitionValue);

        var request = new QueryRequest
        {
            TableName = TableName,
            IndexName = query.IndexName,
            KeyConditionExpression = string.IsNullOrWhiteSpace(query.SortKeyCondition)
                ? $"{PartitionName} = {PartitionValue}"
                : $"{PartitionName} = {PartitionValue} AND ({query.SortKeyCondition})",
            FilterExpression = string.IsNullOrWhiteSpace(query.FilterExpression) ? null : query.FilterExpression,
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
            ScanIndexForward = query.ScanIndexForward,
            ConsistentRead = query.ConsistentRead ? true : null,
        };

        var items = new List<Dictionary<string, AttributeValue>>();
        do
        {
            if (query.Limit is { } limit)
            {
                request.Limit = limit - items.Count;
            }

            var response = await _client.QueryAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.Items is { } page)
            {
                items.AddRange(page);
            }

            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (request.ExclusiveStartKey is not null && (query.Limit is not { } max || items.Count < max));

        return items;
    }

    /// <summary>Gets the organization's item with the given sort key, or null.</summary>
    public async Task<Dictionary<string, AttributeValue>?> GetItemAsync(
        string sortKeyName, AttributeValue sortKeyValue, bool consistentRead = false, CancellationToken cancellationToken = default)
    {
        var response = await _client.GetItemAsync(new GetItemRequest
        {
            TableName = TableName,
            Key = Key(sortKeyName, sortKeyValue),
            ConsistentRead = consistentRead ? true : null,
        }, cancellationToken).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? item : null;
    }

    /// <summary>
    /// Puts <paramref name="item"/> into the organization's partition (the partition key is set for you).
    /// </summary>
    /// <exception cref="ArgumentException">The item already names another organization.</exception>
    public async Task PutItemAsync(
        Dictionary<string, AttributeValue> item,
        string? conditionExpression = null,
        IReadOnlyDictionary<string, string>? names = null,
        IReadOnlyDictionary<string, AttributeValue>? values = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.TryGetValue(PartitionKeyName, out var existing) && !string.Equals(existing?.S, OrganizationId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The item's '{PartitionKeyName}' names another organization than the caller's.", nameof(item));
        }

        var copy = new Dictionary<string, AttributeValue>(item, StringComparer.Ordinal)
        {
            [PartitionKeyName] = new AttributeValue { S = OrganizationId },
        };
        await _client.PutItemAsync(new PutItemRequest
        {
            TableName = TableName,
            Item = copy,
            ConditionExpression = conditionExpression,
            ExpressionAttributeNames = names is null ? null : new Dictionary<string, string>(names, StringComparer.Ordinal),
            ExpressionAttributeValues = values is null ? null : new Dictionary<string, AttributeValue>(values, StringComparer.Ordinal),
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the organization's item with the given sort key; true when it existed.</summary>
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

    private Dictionary<string, AttributeValue> Key(string sortKeyName, AttributeValue sortKeyValue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sortKeyName);
        ArgumentNullException.ThrowIfNull(sortKeyValue);
        if (string.Equals(sortKeyName, PartitionKeyName, StringComparison.Ordinal))
        {
            throw new ArgumentException("The sort key cannot be the partition key; the partition key is always the caller's organization.", nameof(sortKeyName));
        }

        return new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            [PartitionKeyName] = new AttributeValue { S = OrganizationId },
            [sortKeyName] = sortKeyValue,
        };
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
