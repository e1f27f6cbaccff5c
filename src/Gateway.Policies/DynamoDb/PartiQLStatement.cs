using System.Text.Json;

namespace Gateway.Policies.DynamoDb;

/// <summary>
/// The parts of a DynamoDB PartiQL statement that authorization depends on: the IAM action
/// (<c>dynamodb:PartiQLSelect/Insert/Update/Delete</c>), the table (and index for SELECT), and the partition key values
/// the statement pins. Only a pure conjunction at the top level of the WHERE clause counts (<c>pk = 'v'</c>,
/// <c>'v' = pk</c>, <c>pk = ?</c>, <c>pk IN ['a', 'b']</c>); any OR/NOT in the WHERE clause, or no such conjunct, gives
/// no values (the statement then reads or writes without <c>dynamodb:LeadingKeys</c>, like a scan).
/// INSERT takes the partition key from the top-level members of its VALUE tuple.
/// </summary>
internal sealed class PartiQLStatement
{
    private readonly List<PartiQLToken> _tokens;
    private readonly JsonElement _parameters;

    private PartiQLStatement(List<PartiQLToken> tokens, JsonElement parameters)
    {
        _tokens = tokens;
        _parameters = parameters;
    }

    public required string Action { get; init; }
    public required string TableName { get; init; }
    public string? IndexName { get; init; }

    private int WhereStart { get; init; } = -1;
    private int InsertTupleStart { get; init; } = -1;

    /// <summary>Parses the statement's shape; <paramref name="parameters"/> is the request's <c>Parameters</c> array
    /// (or an undefined element).</summary>
    public static PartiQLStatement Parse(string statement, JsonElement parameters)
    {
        var tokens = PartiQLLexer.Tokenize(statement);
        if (tokens.Count == 0 || tokens[0].Kind != PartiQLTokenKind.Word)
        {
            throw new AnalysisException("The PartiQL statement is empty or does not start with a keyword.");
        }

        for (var i = 0; i < tokens.Count - 1; i++)
        {
            if (IsSymbol(tokens[i], ";"))
            {
                throw new AnalysisException("Only one PartiQL statement is allowed.");
            }
        }

        var verb = tokens[0].Text.ToUpperInvariant();
        switch (verb)
        {
            case "SELECT":
            {
                var from = FindKeyword(tokens, 1, "FROM");
                var (table, index, next) = ReadTableReference(tokens, from + 1, allowIndex: true);
                var where = -1;
                if (next < tokens.Count && IsKeyword(tokens[next], "WHERE"))
                {
                    where = next + 1;
                }
                else if (next < tokens.Count && !IsKeyword(tokens[next], "ORDER") && !IsSymbol(tokens[next], ";"))
                {
                    throw new AnalysisException("Unsupported PartiQL SELECT form.");
                }

                return new PartiQLStatement(tokens, parameters)
                {
                    Action = "dynamodb:PartiQLSelect", TableName = table, IndexName = index, WhereStart = where,
                };
            }

            case "INSERT":
            {
                if (tokens.Count < 2 || !IsKeyword(tokens[1], "INTO"))
                {
                    throw new AnalysisException("Unsupported PartiQL INSERT form.");
                }

                var (table, _, next) = ReadTableReference(tokens, 2, allowIndex: false);
                if (next + 1 >= tokens.Count || !IsKeyword(tokens[next], "VALUE") || !IsSymbol(tokens[next + 1], "{"))
                {
                    throw new AnalysisException("Unsupported PartiQL INSERT form (expected VALUE {...}).");
                }

                return new PartiQLStatement(tokens, parameters)
                {
                    Action = "dynamodb:PartiQLInsert", TableName = table, InsertTupleStart = next + 1,
                };
            }

            case "UPDATE":
            {
                var (table, _, _) = ReadTableReference(tokens, 1, allowIndex: false);
                return new PartiQLStatement(tokens, parameters)
                {
                    Action = "dynamodb:PartiQLUpdate", TableName = table, WhereStart = FindKeywordOrMissing(tokens, 2, "WHERE"),
                };
            }

            case "DELETE":
            {
                var from = FindKeyword(tokens, 1, "FROM");
                if (from != 1)
                {
                    throw new AnalysisException("Unsupported PartiQL DELETE form.");
                }

                var (table, _, _) = ReadTableReference(tokens, 2, allowIndex: false);
                return new PartiQLStatement(tokens, parameters)
                {
                    Action = "dynamodb:PartiQLDelete", TableName = table, WhereStart = FindKeywordOrMissing(tokens, 3, "WHERE"),
                };
            }

            default:
                throw new AnalysisException("Unsupported PartiQL statement (only SELECT, INSERT, UPDATE and DELETE are analyzed).");
        }
    }

    /// <summary>The partition key values the statement pins (empty when it pins none).</summary>
    public List<string> PartitionValues(string partitionKey)
    {
        var values = new List<string>(1);
        if (InsertTupleStart >= 0)
        {
            InsertValues(partitionKey, values);
        }
        else if (WhereStart >= 0)
        {
            WhereValues(partitionKey, values);
        }

        return values;
    }

    private void InsertValues(string partitionKey, List<string> values)
    {
        // VALUE { 'k' : v , 'k2' : { ... } , ... }: look at depth-1 members only.
        var depth = 0;
        for (var i = InsertTupleStart; i < _tokens.Count; i++)
        {
            var token = _tokens[i];
            if (token.Kind == PartiQLTokenKind.Symbol && token.Text is "{" or "[" or "(" or "<<")
            {
                depth++;
                continue;
            }

            if (token.Kind == PartiQLTokenKind.Symbol && token.Text is "}" or "]" or ")" or ">>")
            {
                if (--depth == 0)
                {
                    return;
                }

                continue;
            }

            if (depth == 1 && token.Kind is PartiQLTokenKind.String or PartiQLTokenKind.QuotedName && token.Text == partitionKey
                && i + 2 < _tokens.Count && IsSymbol(_tokens[i + 1], ":") && IsMemberStart(i))
            {
                values.Add(Literal(_tokens[i + 2]) ?? throw new AnalysisException("The partition key in INSERT is not a literal."));
            }
        }
    }

    private bool IsMemberStart(int i) => IsSymbol(_tokens[i - 1], "{") || IsSymbol(_tokens[i - 1], ",");

    private void WhereValues(string partitionKey, List<string> values)
    {
        var end = _tokens.Count;
        var depth = 0;
        for (var i = WhereStart; i < _tokens.Count; i++)
        {
            var token = _tokens[i];
            if (token.Kind == PartiQLTokenKind.Word && (IsKeyword(token, "OR") || IsKeyword(token, "NOT")))
            {
                values.Clear();
                return; // not a pure conjunction: no pinned partition
            }

            if (token.Kind == PartiQLTokenKind.Symbol)
            {
                if (token.Text is "(" or "[" or "{" or "<<")
                {
                    depth++;
                }
                else if (token.Text is ")" or "]" or "}" or ">>")
                {
                    depth--;
                }
            }

            if (depth == 0 && (IsKeyword(token, "RETURNING") || IsKeyword(token, "ORDER") || IsSymbol(token, ";")))
            {
                end = i;
                break;
            }
        }

        // Split into top-level conjuncts on AND (the AND of "x BETWEEN a AND b" belongs to BETWEEN).
        var start = WhereStart;
        depth = 0;
        var betweenPending = false;
        for (var i = WhereStart; i <= end; i++)
        {
            if (i < end)
            {
                var token = _tokens[i];
                if (token.Kind == PartiQLTokenKind.Symbol && token.Text is "(" or "[" or "{" or "<<")
                {
                    depth++;
                }
                else if (token.Kind == PartiQLTokenKind.Symbol && token.Text is ")" or "]" or "}" or ">>")
                {
                    depth--;
                }
                else if (depth == 0 && IsKeyword(token, "BETWEEN"))
                {
                    betweenPending = true;
                }
                else if (depth == 0 && IsKeyword(token, "AND"))
                {
                    if (betweenPending)
                    {
                        betweenPending = false;
                    }
                    else
                    {
                        Conjunct(start, i, partitionKey, values);
                        start = i + 1;
                    }
                }

                continue;
            }

            Conjunct(start, end, partitionKey, values);
        }
    }

    private void Conjunct(int start, int end, string partitionKey, List<string> values)
    {
        var length = end - start;
        if (length == 3 && IsSymbol(_tokens[start + 1], "="))
        {
            if (IsName(_tokens[start], partitionKey) && Literal(_tokens[start + 2]) is { } right)
            {
                values.Add(right);
            }
            else if (IsName(_tokens[start + 2], partitionKey) && Literal(_tokens[start]) is { } left)
            {
                values.Add(left);
            }

            return;
        }

        // pk IN [ lit , lit ... ]  or  pk IN ( ... )
        if (length >= 5 && IsName(_tokens[start], partitionKey) && IsKeyword(_tokens[start + 1], "IN")
            && (IsSymbol(_tokens[start + 2], "[") || IsSymbol(_tokens[start + 2], "("))
            && (IsSymbol(_tokens[end - 1], "]") || IsSymbol(_tokens[end - 1], ")")))
        {
            var found = new List<string>();
            for (var i = start + 3; i < end - 1; i++)
            {
                var expectLiteral = (i - start - 3) % 2 == 0;
                if (expectLiteral)
                {
                    if (Literal(_tokens[i]) is not { } literal)
                    {
                        return;
                    }

                    found.Add(literal);
                }
                else if (!IsSymbol(_tokens[i], ","))
                {
                    return;
                }
            }

            values.AddRange(found);
        }
    }

    private string? Literal(PartiQLToken token) => token.Kind switch
    {
        PartiQLTokenKind.String or PartiQLTokenKind.Number => token.Text,
        PartiQLTokenKind.Parameter => ParameterValue(token.ParameterIndex),
        _ => null,
    };

    private string ParameterValue(int index)
    {
        if (_parameters.ValueKind != JsonValueKind.Array || index >= _parameters.GetArrayLength())
        {
            throw new AnalysisException("The PartiQL statement uses more parameters than the request supplies.");
        }

        return AttributeValues.Scalar(_parameters[index], "Parameters");
    }

    private static bool IsName(PartiQLToken token, string name) => token.Kind is PartiQLTokenKind.Word or PartiQLTokenKind.QuotedName && token.Text == name;

    private static bool IsKeyword(PartiQLToken token, string keyword)
        => token.Kind == PartiQLTokenKind.Word && string.Equals(token.Text, keyword, StringComparison.OrdinalIgnoreCase);

    private static bool IsSymbol(PartiQLToken token, string symbol) => token.Kind == PartiQLTokenKind.Symbol && token.Text == symbol;

    private static int FindKeyword(List<PartiQLToken> tokens, int from, string keyword)
    {
        var index = FindKeywordOrMissing(tokens, from, keyword);
        return index >= 0 ? index - 1 : throw new AnalysisException($"The PartiQL statement has no {keyword}.");
    }

    /// <summary>Index just after the first top-level <paramref name="keyword"/>, or -1.</summary>
    private static int FindKeywordOrMissing(List<PartiQLToken> tokens, int from, string keyword)
    {
        var depth = 0;
        for (var i = from; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.Kind == PartiQLTokenKind.Symbol && token.Text is "(" or "[" or "{" or "<<")
            {
                depth++;
            }
            else if (token.Kind == PartiQLTokenKind.Symbol && token.Text is ")" or "]" or "}" or ">>")
            {
                depth--;
            }
            else if (depth == 0 && IsKeyword(token, keyword))
            {
                return i + 1;
            }
        }

        return -1;
    }

    private static (string Table, string? Index, int Next) ReadTableReference(List<PartiQLToken> tokens, int at, bool allowIndex)
    {
        if (at >= tokens.Count || tokens[at].Kind is not (PartiQLTokenKind.Word or PartiQLTokenKind.QuotedName))
        {
            throw new AnalysisException("The PartiQL statement does not name a table.");
        }

        var table = tokens[at].Text;
        if (at + 2 < tokens.Count && IsSymbol(tokens[at + 1], ".") && tokens[at + 2].Kind is PartiQLTokenKind.Word or PartiQLTokenKind.QuotedName)
        {
            if (!allowIndex)
            {
                throw new AnalysisException("The PartiQL statement names an index where a table is required.");
            }

            return (table, tokens[at + 2].Text, at + 3);
        }

        return (table, null, at + 1);
    }
}
