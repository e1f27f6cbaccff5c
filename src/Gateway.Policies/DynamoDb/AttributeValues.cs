using System.Text.Json;

namespace Gateway.Policies.DynamoDb;

/// <summary>Reads key values out of DynamoDB JSON <c>AttributeValue</c>s.</summary>
internal static class AttributeValues
{
    /// <summary>The partition key value of an item or key map: a scalar <c>S</c>, <c>N</c> or <c>B</c> attribute, as
    /// its wire text. Anything else (missing, another type, extra members) cannot be analyzed.</summary>
    public static string PartitionValue(JsonElement itemOrKey, string partitionKey, string path)
    {
        if (itemOrKey.ValueKind != JsonValueKind.Object)
        {
            throw new AnalysisException($"{path} must be an object.");
        }

        if (!itemOrKey.TryGetProperty(partitionKey, out var value))
        {
            throw new AnalysisException($"{path} does not contain the partition key.");
        }

        return Scalar(value, path);
    }

    /// <summary>The text of a scalar key attribute value (<c>{"S": "…"}</c>, <c>{"N": "…"}</c> or <c>{"B": "…"}</c>).</summary>
    public static string Scalar(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new AnalysisException($"{path}: a key attribute value must be an object.");
        }

        string? result = null;
        foreach (var member in value.EnumerateObject())
        {
            if (result is not null || member.Value.ValueKind != JsonValueKind.String
                || !(member.NameEquals("S"u8) || member.NameEquals("N"u8) || member.NameEquals("B"u8)))
            {
                throw new AnalysisException($"{path}: a key attribute value must be exactly one S, N or B string.");
            }

            result = member.Value.GetString();
        }

        return result ?? throw new AnalysisException($"{path}: empty attribute value.");
    }
}
