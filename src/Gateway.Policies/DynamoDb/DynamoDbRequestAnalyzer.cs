using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Policies.DynamoDb;

/// <summary>
/// Turns a DynamoDB JSON-protocol request (operation from <c>X-Amz-Target</c>, JSON body) into the authorization checks
/// IAM would make. Key schemas come from <paramref name="schemas"/> (returns null for an unknown table, which makes
/// item operations on it "cannot analyze").
/// </summary>
/// <remarks>
/// Fails closed: malformed JSON, duplicate members (a parser-differential risk), unknown operations, invalid table or
/// index names, missing partition keys, and key conditions it cannot read all give <see cref="RequestAnalysis.CannotAnalyze"/>.
/// </remarks>
public sealed class DynamoDbRequestAnalyzer
{
    public const string TargetPrefix = "DynamoDB_20120810.";
    public const string LeadingKeys = SessionPolicyBuilder.LeadingKeysConditionKey;

    /// <summary>DynamoDB nests attribute values up to 32 levels (two JSON levels each) below a few request levels.</summary>
    public const int MaxJsonDepth = 80;

    private static readonly JsonDocumentOptions Options = new()
    {
        MaxDepth = MaxJsonDepth,
        AllowDuplicateProperties = false,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> NoKeys =
        FrozenDictionary<string, IReadOnlyList<string>>.Empty;

    private readonly string _tableArnPrefix;

    public DynamoDbRequestAnalyzer(AwsScope scope)
    {
        Scope = scope ?? throw new ArgumentNullException(nameof(scope));
        _tableArnPrefix = scope.TableArnPrefix;
    }

    public AwsScope Scope { get; }

    /// <summary>
    /// The single walk a DynamoDB front needs: parses <paramref name="jsonBody"/> once, hands the tables it names to
    /// <paramref name="loadSchemas"/> (so their key schemas can be fetched), then analyzes the same parsed document with
    /// <paramref name="schemas"/>. Bad input never throws (it gives "cannot analyze" and, when the body is not readable,
    /// no tables); exceptions from <paramref name="loadSchemas"/> propagate.
    /// </summary>
    /// <param name="operation">Operation name such as "GetItem", with or without the target prefix.</param>
    /// <param name="jsonBody">The request body; must not change until the returned task completes.</param>
    /// <param name="loadSchemas">Called once with the referenced tables (possibly none) before the analysis.</param>
    /// <param name="schemas">Key schema of a table, or null when unknown.</param>
    /// <param name="cancellationToken">Passed to <paramref name="loadSchemas"/>.</param>
    public async ValueTask<AnalyzedRequest> AnalyzeAsync(
        string operation,
        ReadOnlyMemory<byte> jsonBody,
        Func<IReadOnlyList<string>, CancellationToken, ValueTask> loadSchemas,
        Func<string, TableKeySchema?> schemas,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loadSchemas);
        ArgumentNullException.ThrowIfNull(schemas);
        operation = WithoutTargetPrefix(operation);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(jsonBody, Options);
        }
        catch (JsonException ex)
        {
            await loadSchemas([], cancellationToken).ConfigureAwait(false);
            return new AnalyzedRequest([], Unreadable(operation, ex));
        }

        using (document)
        {
            var tables = ReferencedTables(operation, document.RootElement);
            await loadSchemas(tables, cancellationToken).ConfigureAwait(false);
            return new AnalyzedRequest(tables, Analyze(operation, document.RootElement, schemas));
        }
    }

    /// <summary>Operation name such as "GetItem" (without the target prefix). Never throws for bad input.</summary>
    public RequestAnalysis Analyze(string operation, ReadOnlySpan<byte> jsonBody, Func<string, TableKeySchema?> schemas)
    {
        ArgumentNullException.ThrowIfNull(schemas);
        operation = WithoutTargetPrefix(operation);
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(jsonBody.Length, 1));
        try
        {
            jsonBody.CopyTo(rented);
            using var document = JsonDocument.Parse(rented.AsMemory(0, jsonBody.Length), Options);
            return Analyze(operation, document.RootElement, schemas);
        }
        catch (JsonException ex)
        {
            return Unreadable(operation, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Table names a request body mentions (to prefetch schemas), or empty when the body cannot be read.</summary>
    public static IReadOnlyList<string> ReferencedTables(string operation, ReadOnlySpan<byte> jsonBody)
    {
        operation = WithoutTargetPrefix(operation);
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(jsonBody.Length, 1));
        try
        {
            jsonBody.CopyTo(rented);
            using var document = JsonDocument.Parse(rented.AsMemory(0, jsonBody.Length), Options);
            return ReferencedTables(operation, document.RootElement);
        }
        catch (JsonException)
        {
            return [];
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static string WithoutTargetPrefix(string? operation)
    {
        operation ??= string.Empty;
        return operation.StartsWith(TargetPrefix, StringComparison.Ordinal) ? operation[TargetPrefix.Length..] : operation;
    }

    private static RequestAnalysis Unreadable(string operation, JsonException ex)
    {
        var where = ex.BytePositionInLine is { } position ? $" at byte {position + 1} of line {(ex.LineNumber ?? 0) + 1}" : string.Empty;
        // The JSON reader's message can quote request content, so only its kind is reported.
        var kind = ex.Message.Contains("duplicate", StringComparison.OrdinalIgnoreCase) ? "has a duplicate member" : "is not valid JSON";
        return RequestAnalysis.CannotAnalyze(operation, "The request body " + kind + where + ".");
    }

    private RequestAnalysis Analyze(string operation, JsonElement root, Func<string, TableKeySchema?> schemas)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return RequestAnalysis.CannotAnalyze(operation, "The request body is not a JSON object.");
        }

        try
        {
            var run = new Run(this, schemas);
            run.Analyze(operation, root);
            return RequestAnalysis.Success(operation, run.Checks) with { Tables = run.Tables };
        }
        catch (JsonException ex)
        {
            return Unreadable(operation, ex);
        }
        catch (AnalysisException ex)
        {
            return RequestAnalysis.CannotAnalyze(operation, ex.Message);
        }
        catch (InvalidOperationException)
        {
            // JsonElement accessors on an unexpected kind; every path checks kinds first, this is a backstop.
            return RequestAnalysis.CannotAnalyze(operation, "The request body has an unexpected shape.");
        }
    }

    private static List<string> ReferencedTables(string operation, JsonElement root)
    {
        var tables = new List<string>(1);
        try
        {
            CollectTables(operation, root, tables);
            return tables;
        }
        catch (Exception ex) when (ex is JsonException or AnalysisException or InvalidOperationException)
        {
            return [];
        }
    }

    private static void CollectTables(string operation, JsonElement root, List<string> tables)
    {
        void AddName(JsonElement parent)
        {
            if (parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty("TableName"u8, out var name) && name.ValueKind == JsonValueKind.String)
            {
                AddTable(name.GetString()!);
            }
        }

        void AddTable(string nameOrArn)
        {
            var marker = nameOrArn.StartsWith("arn:", StringComparison.Ordinal) ? nameOrArn.IndexOf(":table/", StringComparison.Ordinal) : -1;
            var name = marker >= 0 ? nameOrArn[(marker + ":table/".Length)..] : nameOrArn;
            if (SessionPolicyBuilder.IsValidTableName(name) && !tables.Contains(name))
            {
                tables.Add(name);
            }
        }

        void AddStatements(string member)
        {
            if (root.TryGetProperty(member, out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("Statement"u8, out var text) && text.ValueKind == JsonValueKind.String)
                    {
                        AddTable(PartiQLStatement.Parse(text.GetString()!, default).TableName);
                    }
                }
            }
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        switch (operation)
        {
            case "BatchGetItem" or "BatchWriteItem":
                if (root.TryGetProperty("RequestItems"u8, out var items) && items.ValueKind == JsonValueKind.Object)
                {
                    foreach (var entry in items.EnumerateObject())
                    {
                        AddTable(entry.Name);
                    }
                }

                break;
            case "TransactGetItems" or "TransactWriteItems":
                if (root.TryGetProperty("TransactItems"u8, out var transact) && transact.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in transact.EnumerateArray())
                    {
                        if (item.ValueKind == JsonValueKind.Object)
                        {
                            foreach (var member in item.EnumerateObject())
                            {
                                AddName(member.Value);
                            }
                        }
                    }
                }

                break;
            case "ExecuteStatement":
                if (root.TryGetProperty("Statement"u8, out var statement) && statement.ValueKind == JsonValueKind.String)
                {
                    AddTable(PartiQLStatement.Parse(statement.GetString()!, default).TableName);
                }

                break;
            case "BatchExecuteStatement":
                AddStatements("Statements");
                break;
            case "ExecuteTransaction":
                AddStatements("TransactStatements");
                break;
            default:
                AddName(root);
                break;
        }
    }

    /// <summary>State of one analysis.</summary>
    private sealed class Run(DynamoDbRequestAnalyzer owner, Func<string, TableKeySchema?> schemas)
    {
        public List<AuthorizationCheck> Checks { get; } = new(2);
        public List<string> Tables { get; } = new(1);

        public void Analyze(string operation, JsonElement root)
        {
            switch (operation)
            {
                case "GetItem":
                    Item(root, "dynamodb:GetItem", "Key");
                    break;
                case "PutItem":
                    Item(root, "dynamodb:PutItem", "Item");
                    break;
                case "UpdateItem":
                    Item(root, "dynamodb:UpdateItem", "Key");
                    break;
                case "DeleteItem":
                    Item(root, "dynamodb:DeleteItem", "Key");
                    break;
                case "Query":
                    Query(root);
                    break;
                case "Scan":
                    Scan(root);
                    break;
                case "BatchGetItem":
                    BatchGet(root);
                    break;
                case "BatchWriteItem":
                    BatchWrite(root);
                    break;
                case "TransactGetItems":
                    TransactGet(root);
                    break;
                case "TransactWriteItems":
                    TransactWrite(root);
                    break;
                case "ExecuteStatement":
                    PartiQL(root);
                    break;
                case "BatchExecuteStatement":
                    foreach (var item in Array(root, "Statements"))
                    {
                        PartiQL(item);
                    }

                    break;
                case "ExecuteTransaction":
                    foreach (var item in Array(root, "TransactStatements"))
                    {
                        PartiQL(item);
                    }

                    break;
                case "DescribeTable" or "CreateTable" or "DeleteTable" or "UpdateTable" or "DescribeTimeToLive" or "UpdateTimeToLive":
                    Add("dynamodb:" + operation, owner.Scope.TableArn(TableName(root)), NoKeys);
                    break;
                case "ListTables":
                    Add("dynamodb:ListTables", "*", NoKeys);
                    break;
                default:
                    throw new AnalysisException("Unsupported or unknown DynamoDB operation.");
            }

            if (Checks.Count == 0)
            {
                throw new AnalysisException("The request touches no table.");
            }
        }

        private void Item(JsonElement request, string action, string keyMember)
        {
            var table = TableName(request);
            var schema = Schema(table);
            var value = AttributeValues.PartitionValue(Required(request, keyMember), schema.PartitionKey, keyMember);
            Add(action, owner.Scope.TableArn(table), Keys([value]));
        }

        private void Query(JsonElement request)
        {
            var table = TableName(request);
            var schema = Schema(table);
            var (resource, partitionKey) = Target(request, table, schema);
            var hasExpression = request.TryGetProperty("KeyConditionExpression"u8, out var expression);
            var hasLegacy = request.TryGetProperty("KeyConditions"u8, out var legacy);
            List<string> values;
            if (hasExpression == hasLegacy)
            {
                throw new AnalysisException("A Query needs exactly one of KeyConditionExpression and KeyConditions.");
            }

            if (hasExpression)
            {
                if (expression.ValueKind != JsonValueKind.String)
                {
                    throw new AnalysisException("KeyConditionExpression must be a string.");
                }

                request.TryGetProperty("ExpressionAttributeNames"u8, out var names);
                request.TryGetProperty("ExpressionAttributeValues"u8, out var attributeValues);
                values = KeyConditionParser.FromExpression(expression.GetString()!, partitionKey, names, attributeValues);
            }
            else
            {
                values = KeyConditionParser.FromLegacy(legacy, partitionKey);
            }

            Add("dynamodb:Query", resource, Keys(values));
        }

        private void Scan(JsonElement request)
        {
            var table = TableName(request);
            var resource = owner.Scope.TableArn(table);
            if (request.TryGetProperty("IndexName"u8, out var index))
            {
                resource = owner.Scope.IndexArn(table, IndexName(index));
            }

            Add("dynamodb:Scan", resource, NoKeys);
        }

        private void BatchGet(JsonElement request)
        {
            foreach (var entry in Object(request, "RequestItems"))
            {
                var table = ResolveTable(entry.Name);
                var schema = Schema(table);
                if (entry.Value.ValueKind != JsonValueKind.Object)
                {
                    throw new AnalysisException("RequestItems entries must be objects.");
                }

                var values = new List<string>();
                foreach (var key in Array(entry.Value, "Keys"))
                {
                    AddDistinct(values, AttributeValues.PartitionValue(key, schema.PartitionKey, "Keys[]"));
                }

                Add("dynamodb:BatchGetItem", owner.Scope.TableArn(table), Keys(values));
            }
        }

        private void BatchWrite(JsonElement request)
        {
            foreach (var entry in Object(request, "RequestItems"))
            {
                var table = ResolveTable(entry.Name);
                var schema = Schema(table);
                if (entry.Value.ValueKind != JsonValueKind.Array || entry.Value.GetArrayLength() == 0)
                {
                    throw new AnalysisException("RequestItems entries must be non-empty arrays.");
                }

                var values = new List<string>();
                foreach (var write in entry.Value.EnumerateArray())
                {
                    var (kind, body) = Single(write, "write request");
                    var value = kind switch
                    {
                        "PutRequest" => AttributeValues.PartitionValue(Required(body, "Item"), schema.PartitionKey, "PutRequest.Item"),
                        "DeleteRequest" => AttributeValues.PartitionValue(Required(body, "Key"), schema.PartitionKey, "DeleteRequest.Key"),
                        _ => throw new AnalysisException("A write request must be a PutRequest or a DeleteRequest."),
                    };
                    AddDistinct(values, value);
                }

                Add("dynamodb:BatchWriteItem", owner.Scope.TableArn(table), Keys(values));
            }
        }

        private void TransactGet(JsonElement request)
        {
            foreach (var item in Array(request, "TransactItems"))
            {
                var (kind, body) = Single(item, "TransactItems entry");
                if (kind != "Get")
                {
                    throw new AnalysisException("TransactGetItems entries must be Get.");
                }

                Item(body, "dynamodb:GetItem", "Key");
            }
        }

        private void TransactWrite(JsonElement request)
        {
            foreach (var item in Array(request, "TransactItems"))
            {
                var (kind, body) = Single(item, "TransactItems entry");
                switch (kind)
                {
                    case "Put":
                        Item(body, "dynamodb:PutItem", "Item");
                        break;
                    case "Update":
                        Item(body, "dynamodb:UpdateItem", "Key");
                        break;
                    case "Delete":
                        Item(body, "dynamodb:DeleteItem", "Key");
                        break;
                    case "ConditionCheck":
                        Item(body, "dynamodb:ConditionCheckItem", "Key");
                        break;
                    default:
                        throw new AnalysisException("TransactWriteItems entries must be Put, Update, Delete or ConditionCheck.");
                }
            }
        }

        private void PartiQL(JsonElement request)
        {
            var text = Required(request, "Statement");
            if (text.ValueKind != JsonValueKind.String)
            {
                throw new AnalysisException("Statement must be a string.");
            }

            request.TryGetProperty("Parameters"u8, out var parameters);
            var statement = PartiQLStatement.Parse(text.GetString()!, parameters);
            var table = ResolveTable(statement.TableName);
            var schema = Schema(table);
            var resource = owner.Scope.TableArn(table);
            var partitionKey = schema.PartitionKey;
            if (statement.IndexName is { } index)
            {
                partitionKey = IndexPartitionKey(schema, ValidIndexName(index));
                resource = owner.Scope.IndexArn(table, index);
            }

            var values = statement.PartitionValues(partitionKey);
            Add(statement.Action, resource, values.Count == 0 ? NoKeys : Keys(values));
        }

        private (string Resource, string PartitionKey) Target(JsonElement request, string table, TableKeySchema schema)
        {
            if (!request.TryGetProperty("IndexName"u8, out var indexElement))
            {
                return (owner.Scope.TableArn(table), schema.PartitionKey);
            }

            var index = IndexName(indexElement);
            return (owner.Scope.IndexArn(table, index), IndexPartitionKey(schema, index));
        }

        private static string IndexPartitionKey(TableKeySchema schema, string index)
            => schema.IndexPartitionKeys.TryGetValue(index, out var key) && !string.IsNullOrEmpty(key)
                ? key
                : throw new AnalysisException("The index is not known for this table.");

        private void Add(string action, string resource, IReadOnlyDictionary<string, IReadOnlyList<string>> keys)
            => Checks.Add(new AuthorizationCheck(action, resource, keys));

        private TableKeySchema Schema(string table)
        {
            var schema = schemas(table);
            if (schema is null || string.IsNullOrEmpty(schema.PartitionKey))
            {
                throw new AnalysisException("The table's key schema is not known.");
            }

            return schema;
        }

        private string TableName(JsonElement request)
        {
            var element = Required(request, "TableName");
            if (element.ValueKind != JsonValueKind.String)
            {
                throw new AnalysisException("TableName must be a string.");
            }

            return ResolveTable(element.GetString()!);
        }

        /// <summary>A plain table name, or a table ARN of this scope reduced to its name.</summary>
        private string ResolveTable(string nameOrArn)
        {
            var name = nameOrArn;
            if (nameOrArn.StartsWith("arn:", StringComparison.Ordinal))
            {
                if (!nameOrArn.StartsWith(owner._tableArnPrefix, StringComparison.Ordinal))
                {
                    throw new AnalysisException("The table ARN is not in this account and region.");
                }

                name = nameOrArn[owner._tableArnPrefix.Length..];
            }

            if (!SessionPolicyBuilder.IsValidTableName(name))
            {
                throw new AnalysisException("Invalid table name.");
            }

            if (!Tables.Contains(name))
            {
                Tables.Add(name);
            }

            return name;
        }

        private static string IndexName(JsonElement element)
        {
            if (element.ValueKind != JsonValueKind.String)
            {
                throw new AnalysisException("IndexName must be a string.");
            }

            return ValidIndexName(element.GetString()!);
        }

        private static string ValidIndexName(string name)
            => SessionPolicyBuilder.IsValidTableName(name) ? name : throw new AnalysisException("Invalid index name.");

        private static Dictionary<string, IReadOnlyList<string>> Keys(List<string> values)
            => new(1, StringComparer.OrdinalIgnoreCase) { [LeadingKeys] = values };

        private static void AddDistinct(List<string> values, string value)
        {
            if (!values.Contains(value))
            {
                values.Add(value);
            }
        }

        private static JsonElement Required(JsonElement parent, string name)
        {
            if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value))
            {
                throw new AnalysisException($"{name} is missing.");
            }

            return value;
        }

        private static JsonElement.ArrayEnumerator Array(JsonElement parent, string name)
        {
            var value = Required(parent, name);
            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
            {
                throw new AnalysisException($"{name} must be a non-empty array.");
            }

            return value.EnumerateArray();
        }

        private static JsonElement.ObjectEnumerator Object(JsonElement parent, string name)
        {
            var value = Required(parent, name);
            if (value.ValueKind != JsonValueKind.Object)
            {
                throw new AnalysisException($"{name} must be an object.");
            }

            return value.EnumerateObject();
        }

        /// <summary>An object with exactly one member (a write request or a transaction entry).</summary>
        private static (string Name, JsonElement Value) Single(JsonElement element, string what)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new AnalysisException($"A {what} must be an object.");
            }

            (string, JsonElement)? result = null;
            foreach (var member in element.EnumerateObject())
            {
                if (result is not null)
                {
                    throw new AnalysisException($"A {what} must have exactly one member.");
                }

                result = (member.Name, member.Value);
            }

            return result ?? throw new AnalysisException($"A {what} is empty.");
        }
    }
}
