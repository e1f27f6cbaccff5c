using System.Text.Json;

namespace Gateway.Policies.Documents;

/// <summary>
/// Parses IAM policy JSON into the document model. Element names are matched case-insensitively, duplicate members
/// (in any casing) are rejected, unknown elements are rejected, and every error names the JSON path.
/// </summary>
internal static class PolicyDocumentParser
{
    /// <summary>Nesting never exceeds 5 levels in a valid policy; anything deeper is rejected early.</summary>
    public const int MaxDepth = 16;

    private static readonly JsonDocumentOptions Options = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    public static PolicyDocument Parse(string json)
    {
        if (json is null)
        {
            throw new PolicyDocumentException("The policy document is null.", "$");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, byte {ex.BytePositionInLine + 1}" : string.Empty;
            var path = ex.Path ?? "$";
            throw new PolicyDocumentException($"{path}: Malformed policy JSON{where}: {Describe(ex)}", path);
        }

        using (document)
        {
            return ReadDocument(document.RootElement);
        }
    }

    private static PolicyDocument ReadDocument(JsonElement root)
    {
        Expect(root, JsonValueKind.Object, "$");
        string? version = null, id = null;
        List<PolicyStatement>? statements = null;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var member in root.EnumerateObject())
        {
            var path = "$." + Clip(member.Name);
            CheckDuplicate(seen, member.Name, path);
            switch (member.Name.ToUpperInvariant())
            {
                case "VERSION":
                    version = ReadString(member.Value, path);
                    if (version is not (PolicyDocument.Version2012 or "2008-10-17"))
                    {
                        throw new PolicyDocumentException($"{path}: unsupported version (expected 2012-10-17 or 2008-10-17).", path);
                    }

                    break;
                case "ID":
                    id = ReadString(member.Value, path);
                    break;
                case "STATEMENT":
                    statements = [];
                    if (member.Value.ValueKind == JsonValueKind.Object)
                    {
                        statements.Add(ReadStatement(member.Value, path));
                    }
                    else
                    {
                        Expect(member.Value, JsonValueKind.Array, path);
                        var i = 0;
                        foreach (var item in member.Value.EnumerateArray())
                        {
                            statements.Add(ReadStatement(item, $"{path}[{i++}]"));
                        }
                    }

                    break;
                default:
                    throw new PolicyDocumentException($"{path}: unknown policy element.", path);
            }
        }

        if (statements is null)
        {
            throw new PolicyDocumentException("$.Statement: required element is missing.", "$.Statement");
        }

        return new PolicyDocument { Version = version, Id = id, Statements = statements };
    }

    private static PolicyStatement ReadStatement(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.Object, path);
        string? sid = null;
        PolicyEffect? effect = null;
        IReadOnlyList<string>? actions = null, notActions = null, resources = null, notResources = null;
        IReadOnlyDictionary<string, IReadOnlyList<string>>? principal = null;
        IReadOnlyList<PolicyCondition> conditions = [];
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        foreach (var member in element.EnumerateObject())
        {
            var memberPath = path + "." + Clip(member.Name);
            CheckDuplicate(seen, member.Name, memberPath);
            switch (member.Name.ToUpperInvariant())
            {
                case "SID":
                    sid = ReadString(member.Value, memberPath);
                    break;
                case "EFFECT":
                    effect = ReadString(member.Value, memberPath) switch
                    {
                        "Allow" => PolicyEffect.Allow,
                        "Deny" => PolicyEffect.Deny,
                        _ => throw new PolicyDocumentException($"{memberPath}: expected \"Allow\" or \"Deny\".", memberPath),
                    };
                    break;
                case "ACTION":
                    actions = ReadStringList(member.Value, memberPath);
                    break;
                case "NOTACTION":
                    notActions = ReadStringList(member.Value, memberPath);
                    break;
                case "RESOURCE":
                    resources = ReadStringList(member.Value, memberPath);
                    break;
                case "NOTRESOURCE":
                    notResources = ReadStringList(member.Value, memberPath);
                    break;
                case "PRINCIPAL":
                    principal = ReadPrincipal(member.Value, memberPath);
                    break;
                case "NOTPRINCIPAL":
                    throw new PolicyDocumentException($"{memberPath}: NotPrincipal is not supported.", memberPath);
                case "CONDITION":
                    conditions = ReadConditions(member.Value, memberPath);
                    break;
                default:
                    throw new PolicyDocumentException($"{memberPath}: unknown statement element.", memberPath);
            }
        }

        if (effect is null)
        {
            throw new PolicyDocumentException($"{path}.Effect: required element is missing.", path + ".Effect");
        }

        if ((actions is null) == (notActions is null))
        {
            throw new PolicyDocumentException($"{path}: exactly one of Action and NotAction is required.", path);
        }

        if (resources is not null && notResources is not null)
        {
            throw new PolicyDocumentException($"{path}: Resource and NotResource cannot both be present.", path);
        }

        return new PolicyStatement
        {
            Sid = sid,
            Effect = effect.Value,
            Actions = actions,
            NotActions = notActions,
            Resources = resources,
            NotResources = notResources,
            Principal = principal,
            Conditions = conditions,
        };
    }

    private static Dictionary<string, IReadOnlyList<string>> ReadPrincipal(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            if (element.GetString() != "*")
            {
                throw new PolicyDocumentException($"{path}: a string principal must be \"*\".", path);
            }

            return new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { ["*"] = ["*"] };
        }

        Expect(element, JsonValueKind.Object, path);
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var member in element.EnumerateObject())
        {
            var memberPath = path + "." + Clip(member.Name);
            CheckDuplicate(seen, member.Name, memberPath);
            result[member.Name] = ReadStringList(member.Value, memberPath);
        }

        if (result.Count == 0)
        {
            throw new PolicyDocumentException($"{path}: the principal is empty.", path);
        }

        return result;
    }

    private static List<PolicyCondition> ReadConditions(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.Object, path);
        var result = new List<PolicyCondition>();
        var seenOperators = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var op in element.EnumerateObject())
        {
            var opPath = path + "." + Clip(op.Name);
            CheckDuplicate(seenOperators, op.Name, opPath);
            if (op.Name.Length == 0)
            {
                throw new PolicyDocumentException($"{opPath}: empty condition operator.", opPath);
            }

            Expect(op.Value, JsonValueKind.Object, opPath);
            var seenKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var key in op.Value.EnumerateObject())
            {
                var keyPath = opPath + "." + Clip(key.Name);
                CheckDuplicate(seenKeys, key.Name, keyPath);
                if (key.Name.Length == 0)
                {
                    throw new PolicyDocumentException($"{keyPath}: empty condition key.", keyPath);
                }

                result.Add(new PolicyCondition(op.Name, key.Name, ReadConditionValues(key.Value, keyPath)));
            }
        }

        return result;
    }

    private static string[] ReadConditionValues(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            return [ReadScalar(element, path)];
        }

        var values = new string[element.GetArrayLength()];
        if (values.Length == 0)
        {
            throw new PolicyDocumentException($"{path}: the value list is empty.", path);
        }

        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            values[i] = ReadScalar(item, $"{path}[{i}]");
            i++;
        }

        return values;
    }

    /// <summary>Condition values may be JSON strings, booleans or numbers; all are kept as their text.</summary>
    private static string ReadScalar(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => element.GetRawText(),
        _ => throw new PolicyDocumentException($"{path}: expected a string, boolean or number but found {Describe(element.ValueKind)}.", path),
    };

    private static string[] ReadStringList(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            return [ReadNonEmpty(element, path)];
        }

        Expect(element, JsonValueKind.Array, path);
        var values = new string[element.GetArrayLength()];
        if (values.Length == 0)
        {
            throw new PolicyDocumentException($"{path}: the list is empty.", path);
        }

        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            var itemPath = $"{path}[{i}]";
            Expect(item, JsonValueKind.String, itemPath);
            values[i++] = ReadNonEmpty(item, itemPath);
        }

        return values;
    }

    private static string ReadNonEmpty(JsonElement element, string path)
    {
        var value = element.GetString()!;
        return value.Length > 0 ? value : throw new PolicyDocumentException($"{path}: empty string.", path);
    }

    private static string ReadString(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.String, path);
        return element.GetString()!;
    }

    private static void Expect(JsonElement element, JsonValueKind kind, string path)
    {
        if (element.ValueKind != kind)
        {
            throw new PolicyDocumentException($"{path}: expected {Describe(kind)} but found {Describe(element.ValueKind)}.", path);
        }
    }

    private static void CheckDuplicate(HashSet<string> seen, string name, string path)
    {
        if (!seen.Add(name))
        {
            throw new PolicyDocumentException($"{path}: duplicate element.", path);
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>Names in error paths are clipped so a hostile 1 MB member name does not end up in a message or a log.</summary>
    private static string Clip(string name) => name.Length <= 64 ? name : string.Concat(name.AsSpan(0, 64), "…");

    /// <summary>The reader's explanation, without any echoed content (its messages can quote property names).</summary>
    private static string Describe(JsonException ex)
    {
        var message = ex.Message;
        if (message.Contains("duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return "duplicate property.";
        }

        if (message.Contains("depth", StringComparison.OrdinalIgnoreCase))
        {
            return $"nesting deeper than {MaxDepth} levels.";
        }

        var end = message.IndexOf(". ", StringComparison.Ordinal);
        var first = end > 0 ? message[..(end + 1)] : message;
        return first.Length <= 160 ? first : string.Concat(first.AsSpan(0, 160), "…");
    }
}
