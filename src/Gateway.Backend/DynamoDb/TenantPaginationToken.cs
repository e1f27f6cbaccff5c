using System.Buffers.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace Gateway.Backend.DynamoDb;

/// <summary>
/// The opaque token of a query that spans shards: base64url of JSON
/// <c>{"v":1,"o":org,"n":shards,"t":table,"i":index|null,"f":forward,"c":[cursor per shard]}</c>, a cursor being
/// <c>{}</c> (not started), <c>{"k":{attribute:{"S"|"N"|"B":value}}}</c> (resume after this key) or <c>{"d":true}</c>
/// (done). Read back only after checking that every key is this organization's own shard key, so a token can never
/// make the table query another partition.
/// </summary>
internal static class TenantPaginationToken
{
    /// <summary>Longest token accepted (64 shards of long keys fit easily).</summary>
    public const int MaxLength = 65_536;

    private const int Version = 1;

    public static string Encode(QueryShape shape, IReadOnlyList<ShardCursor> cursors)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", Version);
            json.WriteString("o", shape.OrganizationId);
            json.WriteNumber("n", shape.Shards);
            json.WriteString("t", shape.TableName);
            if (shape.IndexName is null)
            {
                json.WriteNull("i");
            }
            else
            {
                json.WriteString("i", shape.IndexName);
            }

            json.WriteBoolean("f", shape.Forward);
            json.WriteStartArray("c");
            foreach (var cursor in cursors)
            {
                json.WriteStartObject();
                if (cursor.Done)
                {
                    json.WriteBoolean("d", true);
                }
                else if (cursor.StartKey is { } key)
                {
                    json.WriteStartObject("k");
                    foreach (var (name, value) in key.OrderBy(p => p.Key, StringComparer.Ordinal))
                    {
                        json.WriteStartObject(name);
                        if (value.S is not null)
                        {
                            json.WriteString("S", value.S);
                        }
                        else if (value.N is not null)
                        {
                            json.WriteString("N", value.N);
                        }
                        else if (value.B is not null)
                        {
                            json.WriteBase64String("B", value.B.ToArray());
                        }
                        else
                        {
                            throw new InvalidOperationException($"Key attribute '{name}' is not an S, N or B value.");
                        }

                        json.WriteEndObject();
                    }

                    json.WriteEndObject();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Base64Url.EncodeToString(buffer.ToArray());
    }

    /// <summary>The per-shard cursors of <paramref name="token"/>, after checking it belongs to <paramref name="shape"/>.</summary>
    /// <exception cref="InvalidPaginationTokenException">Anything else.</exception>
    public static ShardCursor[] Decode(string token, QueryShape shape, IReadOnlySet<string> keyNames)
    {
        if (token.Length is 0 or > MaxLength)
        {
            throw new InvalidPaginationTokenException("empty or too long");
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(token);
        }
        catch (FormatException e)
        {
            throw new InvalidPaginationTokenException("not base64url", e);
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            Require(root.ValueKind == JsonValueKind.Object, "not a JSON object");
            Require(Int(root, "v") == Version, "unknown version");
            Require(string.Equals(String(root, "o"), shape.OrganizationId, StringComparison.Ordinal), "written for another organization");
            Require(Int(root, "n") == shape.Shards, "written for another shard count (the organization was resharded: start again without a token)");
            Require(string.Equals(String(root, "t"), shape.TableName, StringComparison.Ordinal), "written for another table");
            Require(root.TryGetProperty("i", out var index)
                && (index.ValueKind == JsonValueKind.Null
                    ? shape.IndexName is null
                    : index.ValueKind == JsonValueKind.String && string.Equals(index.GetString(), shape.IndexName, StringComparison.Ordinal)),
                "written for another index");
            Require(root.TryGetProperty("f", out var forward) && forward.ValueKind is JsonValueKind.True or JsonValueKind.False && forward.GetBoolean() == shape.Forward,
                "written for the other sort order");
            Require(root.TryGetProperty("c", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() == shape.Shards,
                "not one cursor per shard");

            var cursors = new ShardCursor[shape.Shards];
            var k = 0;
            foreach (var entry in list.EnumerateArray())
            {
                cursors[k] = ReadCursor(entry, TenantShards.PartitionKey(shape.OrganizationId, k, shape.Shards), shape.PartitionKeyName, keyNames);
                k++;
            }

            return cursors;
        }
        catch (JsonException e)
        {
            throw new InvalidPaginationTokenException("not JSON", e);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidPaginationTokenException("malformed", e);
        }
        catch (FormatException e)
        {
            throw new InvalidPaginationTokenException("malformed", e);
        }
    }

    private static ShardCursor ReadCursor(JsonElement entry, string shardKey, string partitionKeyName, IReadOnlySet<string> keyNames)
    {
        Require(entry.ValueKind == JsonValueKind.Object, "a cursor is not an object");
        var hasDone = entry.TryGetProperty("d", out var done);
        var hasKey = entry.TryGetProperty("k", out var key);
        Require(entry.EnumerateObject().Count() == (hasDone ? 1 : 0) + (hasKey ? 1 : 0), "a cursor has unknown fields");
        if (hasDone)
        {
            Require(!hasKey && done.ValueKind == JsonValueKind.True, "a cursor is both done and started");
            return ShardCursor.Finished;
        }

        if (!hasKey)
        {
            return ShardCursor.Start;
        }

        Require(key.ValueKind == JsonValueKind.Object, "a cursor key is not an object");
        var startKey = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (var attribute in key.EnumerateObject())
        {
            Require(keyNames.Contains(attribute.Name), "a cursor names an attribute that is not a key of this query");
            Require(attribute.Value.ValueKind == JsonValueKind.Object && attribute.Value.EnumerateObject().Count() == 1, "a key value is not one typed value");
            var typed = attribute.Value.EnumerateObject().Single();
            startKey[attribute.Name] = typed.Name switch
            {
                "S" => new AttributeValue { S = typed.Value.GetString() },
                "N" => new AttributeValue { N = typed.Value.GetString() },
                "B" => new AttributeValue { B = new MemoryStream(typed.Value.GetBytesFromBase64()) },
                _ => throw new InvalidPaginationTokenException("a key value is not S, N or B"),
            };
        }

        // The partition key of every cursor must be exactly this organization's key of that shard: a token can move
        // within the organization's own data, never to another partition.
        Require(startKey.TryGetValue(partitionKeyName, out var partition) && string.Equals(partition.S, shardKey, StringComparison.Ordinal),
            "a cursor's partition key is not this organization's key of that shard");
        Require(startKey.Count >= 2, "a cursor key has no sort key");
        return new ShardCursor(startKey, false);
    }

    private static int Int(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : -1;

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void Require(bool condition, string reason)
    {
        if (!condition)
        {
            throw new InvalidPaginationTokenException(reason);
        }
    }
}
