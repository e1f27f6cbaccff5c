using System.Collections.Concurrent;
using System.Text.Json;
using Gateway.Policies.DynamoDb;
using LocalAws.Dynalite;

namespace LocalAws.DynamoDb;

/// <summary>
/// Table → partition key (and each index's partition key), learned with DescribeTable on the upstream and cached.
/// Entries are dropped after CreateTable/DeleteTable/UpdateTable pass through LocalAws. Unknown tables are not cached.
/// </summary>
internal sealed class KeySchemaCache(UpstreamDynamoDb upstream)
{
    private readonly ConcurrentDictionary<string, TableKeySchema> _schemas = new(StringComparer.Ordinal);

    public TableKeySchema? Find(string tableName) => _schemas.TryGetValue(tableName, out var schema) ? schema : null;

    public async Task LoadAsync(IEnumerable<string> tableNames, CancellationToken cancellationToken)
    {
        foreach (var table in tableNames)
        {
            if (!_schemas.ContainsKey(table))
            {
                var schema = await DescribeAsync(table, cancellationToken);
                if (schema is not null)
                {
                    _schemas[table] = schema;
                }
            }
        }
    }

    public void Invalidate(string tableName) => _schemas.TryRemove(tableName, out _);

    public void Clear() => _schemas.Clear();

    private async Task<TableKeySchema?> DescribeAsync(string tableName, CancellationToken cancellationToken)
    {
        if (tableName.Length is < 3 or > 255)
        {
            return null;
        }

        var (status, body) = await upstream.CallAsync("DescribeTable", new { TableName = tableName }, cancellationToken);
        using (body)
        {
            if (status != 200 || !body.RootElement.TryGetProperty("Table", out var table))
            {
                return null;
            }

            var partitionKey = HashKey(table);
            if (partitionKey is null)
            {
                return null;
            }

            var indexes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var kind in new[] { "GlobalSecondaryIndexes", "LocalSecondaryIndexes" })
            {
                if (table.TryGetProperty(kind, out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (var index in list.EnumerateArray())
                    {
                        if (index.TryGetProperty("IndexName", out var name) && name.GetString() is { } indexName && HashKey(index) is { } indexKey)
                        {
                            indexes[indexName] = indexKey;
                        }
                    }
                }
            }

            return new TableKeySchema(tableName, partitionKey) { IndexPartitionKeys = indexes };
        }
    }

    private static string? HashKey(JsonElement owner)
    {
        if (!owner.TryGetProperty("KeySchema", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var key in keys.EnumerateArray())
        {
            if (key.TryGetProperty("KeyType", out var type) && type.GetString() == "HASH" && key.TryGetProperty("AttributeName", out var name))
            {
                return name.GetString();
            }
        }

        return null;
    }
}
