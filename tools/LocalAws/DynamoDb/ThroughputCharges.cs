using System.Text.Json;
using Gateway.Policies.DynamoDb;

namespace LocalAws.DynamoDb;

/// <summary>
/// What a request costs each partition key it names (<see cref="PartitionThroughput"/>): from the analyzer's checks (the
/// resource and its <c>dynamodb:LeadingKeys</c>) and, for writes, the item sizes in the body.
/// </summary>
internal static class ThroughputCharges
{
    private const string LeadingKeys = "dynamodb:LeadingKeys";

    public static IReadOnlyList<PartitionCharge> For(string operation, byte[] body, IReadOnlyList<AuthorizationCheck> checks, Func<string, TableKeySchema?> schemas)
    {
        var charges = new List<PartitionCharge>();
        Dictionary<(string Table, string Key), long>? batchUnits = null;
        bool? consistent = null;
        foreach (var check in checks)
        {
            if (!check.ConditionKeys.TryGetValue(LeadingKeys, out var keys))
            {
                continue; // Scan and table operations name no partition key.
            }

            var isWrite = check.Action is "dynamodb:PutItem" or "dynamodb:UpdateItem" or "dynamodb:DeleteItem" or "dynamodb:BatchWriteItem";
            foreach (var key in keys)
            {
                long units = 0;
                if (isWrite)
                {
                    units = operation switch
                    {
                        "PutItem" => ItemUnits(body, "Item"),
                        "BatchWriteItem" => (batchUnits ??= BatchWriteUnits(body, schemas)).GetValueOrDefault((TableOf(check.Resource), key), 1),
                        _ => 1,
                    };
                }

                var reserve = isWrite ? 0 : (consistent ??= IsConsistentRead(body)) ? 2 : 1;
                charges.Add(new PartitionCharge(check.Resource, key, isWrite, units, reserve));
            }
        }

        return charges;
    }

    public static IReadOnlyList<PartitionCharge> Reads(IReadOnlyList<PartitionCharge> charges)
        => charges.Where(c => !c.IsWrite).ToList();

    /// <summary>True when the request asks for a strongly consistent read (<c>ConsistentRead</c> at the top or in any BatchGetItem table).</summary>
    public static bool IsConsistentRead(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.TryGetProperty("ConsistentRead", out var c) && c.ValueKind == JsonValueKind.True)
            {
                return true;
            }

            return root.TryGetProperty("RequestItems", out var items) && items.ValueKind == JsonValueKind.Object
                && items.EnumerateObject().Any(t => t.Value.ValueKind == JsonValueKind.Object && t.Value.TryGetProperty("ConsistentRead", out var b) && b.ValueKind == JsonValueKind.True);
        }
        catch (JsonException)
        {
            return true;
        }
    }

    /// <summary>1 unit per started KB of the item's JSON, at least 1.</summary>
    private static long ItemUnits(byte[] body, string member)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty(member, out var item) ? Units(item) : 1;
        }
        catch (JsonException)
        {
            return 1;
        }
    }

    private static long Units(JsonElement item) => Math.Max(1, (item.GetRawText().Length + 1023) / 1024);

    /// <summary>Per (table, partition key value): the units of its puts (by item size) and deletes (1 each).</summary>
    private static Dictionary<(string Table, string Key), long> BatchWriteUnits(byte[] body, Func<string, TableKeySchema?> schemas)
    {
        var units = new Dictionary<(string, string), long>();
        try
        {
            using var document = JsonDocument.Parse(body);
            if (!document.RootElement.TryGetProperty("RequestItems", out var tables) || tables.ValueKind != JsonValueKind.Object)
            {
                return units;
            }

            foreach (var table in tables.EnumerateObject())
            {
                if (schemas(table.Name) is not { } schema || table.Value.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (var request in table.Value.EnumerateArray())
                {
                    var (item, cost) = request.TryGetProperty("PutRequest", out var put) && put.TryGetProperty("Item", out var i) ? (i, Units(i))
                        : request.TryGetProperty("DeleteRequest", out var delete) && delete.TryGetProperty("Key", out var k) ? (k, 1L)
                        : (default, 0L);
                    if (cost > 0 && KeyValue(item, schema.PartitionKey) is { } key)
                    {
                        units[(table.Name, key)] = units.GetValueOrDefault((table.Name, key)) + cost;
                    }
                }
            }
        }
        catch (JsonException)
        {
        }

        return units;
    }

    private static string? KeyValue(JsonElement item, string attribute)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty(attribute, out var value) || value.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var typed in value.EnumerateObject())
        {
            return typed.Value.ValueKind == JsonValueKind.String ? typed.Value.GetString() : null;
        }

        return null;
    }

    /// <summary>The table name of a <c>…:table/T</c> or <c>…:table/T/index/I</c> ARN.</summary>
    private static string TableOf(string resource)
    {
        var start = resource.IndexOf(":table/", StringComparison.Ordinal);
        if (start < 0)
        {
            return resource;
        }

        var name = resource[(start + ":table/".Length)..];
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? name : name[..slash];
    }
}
