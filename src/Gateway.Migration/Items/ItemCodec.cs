using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace Gateway.Migration.Items;

/// <summary>
/// Canonical forms of DynamoDB items: a content hash independent of attribute order (names sorted, set members sorted,
/// numbers as DynamoDB stores them), a stable key string, and a JSON form for keys in checkpoints and reports.
/// </summary>
internal static class ItemCodec
{
    /// <summary>SHA-256 of the canonical form of <paramref name="item"/>.</summary>
    public static byte[] Hash(Dictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var builder = new StringBuilder(256);
        AppendMap(builder, item);
        return SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString()));
    }

    /// <summary>The first 16 bytes of a hash as a number, so that an organization's digest is their sum (order-independent, duplicates count twice).</summary>
    public static UInt128 Fold(byte[] hash) => BinaryPrimitives.ReadUInt128BigEndian(hash);

    /// <summary>A stable string for the key attributes <paramref name="names"/> of <paramref name="item"/> (for maps and reports).</summary>
    public static string KeyString(Dictionary<string, AttributeValue> item, IEnumerable<string> names)
    {
        var builder = new StringBuilder(64);
        foreach (var name in names)
        {
            if (builder.Length > 0)
            {
                builder.Append(", ");
            }

            builder.Append(name).Append('=');
            if (item.TryGetValue(name, out var value))
            {
                AppendValue(builder, value);
            }
        }

        return builder.ToString();
    }

    /// <summary>A key (S, N or B attributes) as JSON: <c>{"name":{"S":"v"}}</c>.</summary>
    public static void WriteKey(Utf8JsonWriter writer, Dictionary<string, AttributeValue> key)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(key);
        writer.WriteStartObject();
        foreach (var (name, value) in key.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            writer.WriteStartObject(name);
            if (value.S is not null)
            {
                writer.WriteString("S", value.S);
            }
            else if (value.N is not null)
            {
                writer.WriteString("N", value.N);
            }
            else if (value.B is not null)
            {
                writer.WriteString("B", Convert.ToBase64String(value.B.ToArray()));
            }
            else
            {
                throw new ArgumentException($"Key attribute {name} is not S, N or B.", nameof(key));
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>Reads what <see cref="WriteKey"/> wrote.</summary>
    /// <exception cref="FormatException">Not such a key.</exception>
    public static Dictionary<string, AttributeValue> ReadKey(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a key must be a JSON object");
        }

        var key = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var typed = property.Value;
            if (typed.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"key attribute {property.Name} must be an object");
            }

            if (typed.TryGetProperty("S", out var s) && s.ValueKind == JsonValueKind.String)
            {
                key[property.Name] = new AttributeValue { S = s.GetString() };
            }
            else if (typed.TryGetProperty("N", out var n) && n.ValueKind == JsonValueKind.String)
            {
                key[property.Name] = new AttributeValue { N = n.GetString() };
            }
            else if (typed.TryGetProperty("B", out var b) && b.ValueKind == JsonValueKind.String)
            {
                key[property.Name] = new AttributeValue { B = new MemoryStream(Convert.FromBase64String(b.GetString()!)) };
            }
            else
            {
                throw new FormatException($"key attribute {property.Name} must hold S, N or B");
            }
        }

        return key;
    }

    /// <summary>
    /// A whole item in DynamoDB's JSON (the wire <c>AttributeValue</c> shape: <c>{"name":{"S":"v"},"n":{"N":"1"}}</c>,
    /// binary as base64), attribute names sorted. <see cref="ReadItem"/> reads it back with the same content hash.
    /// </summary>
    public static void WriteItem(Utf8JsonWriter writer, Dictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(item);
        writer.WriteStartObject();
        foreach (var (name, value) in item.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            writer.WritePropertyName(name);
            WriteValue(writer, value);
        }

        writer.WriteEndObject();
    }

    /// <summary>Reads what <see cref="WriteItem"/> wrote (any DynamoDB JSON item).</summary>
    /// <exception cref="FormatException">Not a DynamoDB JSON item.</exception>
    public static Dictionary<string, AttributeValue> ReadItem(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("an item must be a JSON object");
        }

        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            item[property.Name] = ReadValue(property.Value);
        }

        return item;
    }

    private static void WriteValue(Utf8JsonWriter writer, AttributeValue value)
    {
        writer.WriteStartObject();
        if (value.S is not null)
        {
            writer.WriteString("S", value.S);
        }
        else if (value.N is not null)
        {
            writer.WriteString("N", value.N);
        }
        else if (value.B is not null)
        {
            writer.WriteString("B", Convert.ToBase64String(value.B.ToArray()));
        }
        else if (value.SS is { Count: > 0 } ss)
        {
            WriteStrings(writer, "SS", ss);
        }
        else if (value.NS is { Count: > 0 } ns)
        {
            WriteStrings(writer, "NS", ns);
        }
        else if (value.BS is { Count: > 0 } bs)
        {
            WriteStrings(writer, "BS", bs.Select(b => Convert.ToBase64String(b.ToArray())));
        }
        else if (value.M is not null && (value.IsMSet || value.M.Count > 0))
        {
            writer.WritePropertyName("M");
            WriteItem(writer, value.M);
        }
        else if (value.L is not null && (value.IsLSet || value.L.Count > 0))
        {
            writer.WriteStartArray("L");
            foreach (var element in value.L)
            {
                WriteValue(writer, element);
            }

            writer.WriteEndArray();
        }
        else if (value.BOOL is { } flag)
        {
            writer.WriteBoolean("BOOL", flag);
        }
        else if (value.NULL is true)
        {
            writer.WriteBoolean("NULL", true);
        }
        else
        {
            throw new ArgumentException("An attribute value holds no type.", nameof(value));
        }

        writer.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string tag, IEnumerable<string> members)
    {
        writer.WriteStartArray(tag);
        foreach (var member in members)
        {
            writer.WriteStringValue(member);
        }

        writer.WriteEndArray();
    }

    private static AttributeValue ReadValue(JsonElement typed)
    {
        if (typed.ValueKind != JsonValueKind.Object || typed.EnumerateObject().Count() != 1)
        {
            throw new FormatException("an attribute value must be an object with one type");
        }

        var property = typed.EnumerateObject().First();
        var v = property.Value;
        return property.Name switch
        {
            "S" => new AttributeValue { S = v.GetString() ?? throw new FormatException("S is null") },
            "N" => new AttributeValue { N = v.GetString() ?? throw new FormatException("N is null") },
            "B" => new AttributeValue { B = new MemoryStream(Convert.FromBase64String(v.GetString() ?? string.Empty)) },
            "SS" => new AttributeValue { SS = v.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToList() },
            "NS" => new AttributeValue { NS = v.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToList() },
            "BS" => new AttributeValue { BS = v.EnumerateArray().Select(e => new MemoryStream(Convert.FromBase64String(e.GetString() ?? string.Empty))).ToList() },
            "M" => new AttributeValue { M = ReadItem(v), IsMSet = true },
            "L" => new AttributeValue { L = v.EnumerateArray().Select(ReadValue).ToList(), IsLSet = true },
            "BOOL" => new AttributeValue { BOOL = v.GetBoolean() },
            "NULL" => new AttributeValue { NULL = v.GetBoolean() },
            _ => throw new FormatException($"unknown attribute type {property.Name}"),
        };
    }

    private static void AppendMap(StringBuilder builder, Dictionary<string, AttributeValue> map)
    {
        builder.Append('{');
        foreach (var (name, value) in map.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            AppendString(builder, name);
            builder.Append(':');
            AppendValue(builder, value);
            builder.Append(',');
        }

        builder.Append('}');
    }

    private static void AppendValue(StringBuilder builder, AttributeValue value)
    {
        if (value.S is not null)
        {
            builder.Append('S');
            AppendString(builder, value.S);
        }
        else if (value.N is not null)
        {
            builder.Append('N').Append(NormalizeNumber(value.N));
        }
        else if (value.B is not null)
        {
            builder.Append('B').Append(Convert.ToBase64String(value.B.ToArray()));
        }
        else if (value.SS is { Count: > 0 } ss)
        {
            AppendSet(builder, "SS", ss.Select(s => { var b = new StringBuilder(); AppendString(b, s); return b.ToString(); }));
        }
        else if (value.NS is { Count: > 0 } ns)
        {
            AppendSet(builder, "NS", ns.Select(NormalizeNumber));
        }
        else if (value.BS is { Count: > 0 } bs)
        {
            AppendSet(builder, "BS", bs.Select(b => Convert.ToBase64String(b.ToArray())));
        }
        else if (value.M is not null && (value.IsMSet || value.M.Count > 0))
        {
            builder.Append('M');
            AppendMap(builder, value.M);
        }
        else if (value.L is not null && (value.IsLSet || value.L.Count > 0))
        {
            builder.Append("L[");
            foreach (var element in value.L)
            {
                AppendValue(builder, element);
                builder.Append(',');
            }

            builder.Append(']');
        }
        else if (value.BOOL is { } flag)
        {
            builder.Append(flag ? "BOOL1" : "BOOL0");
        }
        else if (value.NULL is true)
        {
            builder.Append("NULL");
        }
        else
        {
            builder.Append('?');
        }
    }

    private static void AppendSet(StringBuilder builder, string tag, IEnumerable<string> members)
    {
        builder.Append(tag).Append('[');
        foreach (var member in members.Order(StringComparer.Ordinal))
        {
            builder.Append(member).Append(',');
        }

        builder.Append(']');
    }

    private static void AppendString(StringBuilder builder, string value)
        => builder.Append('"').Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');

    /// <summary>DynamoDB normalizes numbers ("1.50" is stored as "1.5"); compare them the same way.</summary>
    private static string NormalizeNumber(string number)
        => decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? (d / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture)
            : number;
}
