using System.Text.Json;

namespace Gateway.Policies.DynamoDb;

/// <summary>
/// Finds the partition key values a Query pins, from <c>KeyConditionExpression</c> (with <c>#name</c>/<c>:value</c>
/// placeholders) or the legacy <c>KeyConditions</c> map. The partition key must appear only in <c>key = :value</c>
/// comparisons (either side) and at least once; <c>OR</c>/<c>NOT</c>, an unknown placeholder or any other use of the
/// partition key makes the request unanalyzable.
/// </summary>
internal static class KeyConditionParser
{
    private enum Kind
    {
        Name,
        NameRef,
        ValueRef,
        Operator,
        Punctuation,
    }

    private readonly record struct Token(Kind Kind, int Start, int Length);

    public static List<string> FromExpression(string expression, string partitionKey, JsonElement names, JsonElement values)
    {
        var tokens = Tokenize(expression);
        var pkOccurrences = 0;
        foreach (var token in tokens)
        {
            if (token.Kind == Kind.Name)
            {
                var word = expression.AsSpan(token.Start, token.Length);
                if (word.Equals("OR", StringComparison.OrdinalIgnoreCase) || word.Equals("NOT", StringComparison.OrdinalIgnoreCase))
                {
                    throw new AnalysisException("KeyConditionExpression may not use OR or NOT.");
                }
            }

            if (IsPartitionKey(expression, token, partitionKey, names))
            {
                pkOccurrences++;
            }
        }

        var result = new List<string>(1);
        for (var i = 1; i + 1 < tokens.Count; i++)
        {
            if (tokens[i].Kind != Kind.Operator || tokens[i].Length != 1 || expression[tokens[i].Start] != '=')
            {
                continue;
            }

            Token left = tokens[i - 1], right = tokens[i + 1];
            if (IsPartitionKey(expression, left, partitionKey, names) && right.Kind == Kind.ValueRef)
            {
                result.Add(Value(expression, right, values));
            }
            else if (IsPartitionKey(expression, right, partitionKey, names) && left.Kind == Kind.ValueRef)
            {
                result.Add(Value(expression, left, values));
            }
        }

        if (result.Count == 0 || result.Count != pkOccurrences)
        {
            throw new AnalysisException("KeyConditionExpression does not pin the partition key with an equality.");
        }

        return result;
    }

    public static List<string> FromLegacy(JsonElement keyConditions, string partitionKey)
    {
        if (keyConditions.ValueKind != JsonValueKind.Object || !keyConditions.TryGetProperty(partitionKey, out var condition)
            || condition.ValueKind != JsonValueKind.Object)
        {
            throw new AnalysisException("KeyConditions does not constrain the partition key.");
        }

        if (!condition.TryGetProperty("ComparisonOperator"u8, out var op) || op.ValueKind != JsonValueKind.String || !op.ValueEquals("EQ"u8)
            || !condition.TryGetProperty("AttributeValueList"u8, out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() != 1)
        {
            throw new AnalysisException("KeyConditions must compare the partition key with EQ and one value.");
        }

        return [AttributeValues.Scalar(list[0], "KeyConditions.AttributeValueList[0]")];
    }

    private static bool IsPartitionKey(string expression, Token token, string partitionKey, JsonElement names)
    {
        var text = expression.AsSpan(token.Start, token.Length);
        if (token.Kind == Kind.Name)
        {
            return text.SequenceEqual(partitionKey);
        }

        if (token.Kind != Kind.NameRef)
        {
            return false;
        }

        if (names.ValueKind != JsonValueKind.Object || !names.TryGetProperty(text, out var resolved) || resolved.ValueKind != JsonValueKind.String)
        {
            throw new AnalysisException("KeyConditionExpression uses an undefined attribute name placeholder.");
        }

        return resolved.ValueEquals(partitionKey);
    }

    private static string Value(string expression, Token token, JsonElement values)
    {
        if (values.ValueKind != JsonValueKind.Object || !values.TryGetProperty(expression.AsSpan(token.Start, token.Length), out var value))
        {
            throw new AnalysisException("KeyConditionExpression uses an undefined attribute value placeholder.");
        }

        return AttributeValues.Scalar(value, "ExpressionAttributeValues");
    }

    private static List<Token> Tokenize(string expression)
    {
        var tokens = new List<Token>(8);
        var i = 0;
        while (i < expression.Length)
        {
            var c = expression[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var start = i;
            if (c is '#' or ':')
            {
                i++;
                while (i < expression.Length && IsWordChar(expression[i]))
                {
                    i++;
                }

                if (i - start < 2)
                {
                    throw new AnalysisException("KeyConditionExpression has an empty placeholder.");
                }

                tokens.Add(new Token(c == '#' ? Kind.NameRef : Kind.ValueRef, start, i - start));
            }
            else if (IsWordChar(c))
            {
                while (i < expression.Length && IsWordChar(expression[i]))
                {
                    i++;
                }

                tokens.Add(new Token(Kind.Name, start, i - start));
            }
            else if (c is '=' or '<' or '>')
            {
                i++;
                if (i < expression.Length && (expression[i] == '=' || (c == '<' && expression[i] == '>')))
                {
                    i++;
                }

                tokens.Add(new Token(Kind.Operator, start, i - start));
            }
            else if (c is '(' or ')' or ',')
            {
                i++;
                tokens.Add(new Token(Kind.Punctuation, start, 1));
            }
            else
            {
                throw new AnalysisException("KeyConditionExpression contains an unexpected character.");
            }
        }

        return tokens;
    }

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';
}
