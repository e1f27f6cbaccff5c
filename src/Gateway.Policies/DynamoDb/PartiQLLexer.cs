using System.Text;

namespace Gateway.Policies.DynamoDb;

/// <summary>
/// Splits a PartiQL statement into <see cref="PartiQLToken"/>s for <see cref="PartiQLStatement"/>. Fails closed with
/// <see cref="AnalysisException"/> on anything that could make DynamoDB see different text than the parser: comments,
/// backslashes, unterminated quotes, characters outside the grammar.
/// </summary>
internal static class PartiQLLexer
{
    /// <summary>The tokens of <paramref name="text"/>; parameters (<c>?</c>) are numbered from 0 in order.</summary>
    public static List<PartiQLToken> Tokenize(string text)
    {
        if (text.Contains('\\', StringComparison.Ordinal))
        {
            // PartiQL escapes quotes by doubling them; a backslash is rejected so that no engine that honours
            // backslash escapes can see different string boundaries than this parser (use Parameters instead).
            throw new AnalysisException("The PartiQL statement contains a backslash.");
        }

        var tokens = new List<PartiQLToken>(16);
        var parameterIndex = 0;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (c is '\'' or '"')
            {
                var (value, next) = ReadQuoted(text, i, c);
                tokens.Add(new PartiQLToken(c == '\'' ? PartiQLTokenKind.String : PartiQLTokenKind.QuotedName, value));
                i = next;
                continue;
            }

            if (c == '?')
            {
                tokens.Add(new PartiQLToken(PartiQLTokenKind.Parameter, "?", parameterIndex++));
                i++;
                continue;
            }

            var start = i;
            if (char.IsAsciiDigit(c))
            {
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'
                       || ((text[i] is 'e' or 'E') && i + 1 < text.Length)
                       || ((text[i] is '+' or '-') && text[i - 1] is 'e' or 'E')))
                {
                    i++;
                }

                tokens.Add(new PartiQLToken(PartiQLTokenKind.Number, text[start..i]));
                continue;
            }

            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '$'))
                {
                    i++;
                }

                tokens.Add(new PartiQLToken(PartiQLTokenKind.Word, text[start..i]));
                continue;
            }

            if (i + 1 < text.Length)
            {
                var pair = text.AsSpan(i, 2);
                if (pair is "--" or "/*" or "//")
                {
                    // A comment would hide text from DynamoDB that this parser reads (e.g. a pinning conjunct).
                    throw new AnalysisException("The PartiQL statement contains a comment.");
                }

                if (pair is "<=" or ">=" or "<>" or "!=" or "<<" or ">>" or "||")
                {
                    tokens.Add(new PartiQLToken(PartiQLTokenKind.Symbol, pair.ToString()));
                    i += 2;
                    continue;
                }
            }

            if (c is '=' or '<' or '>' or '(' or ')' or '[' or ']' or '{' or '}' or ',' or '.' or ':' or ';' or '*' or '+' or '-' or '/' or '%')
            {
                tokens.Add(new PartiQLToken(PartiQLTokenKind.Symbol, c.ToString()));
                i++;
                continue;
            }

            throw new AnalysisException("The PartiQL statement contains an unexpected character.");
        }

        return tokens;
    }

    private static (string Value, int Next) ReadQuoted(string text, int start, char quote)
    {
        var builder = new StringBuilder();
        var i = start + 1;
        while (i < text.Length)
        {
            if (text[i] == quote)
            {
                if (i + 1 < text.Length && text[i + 1] == quote)
                {
                    builder.Append(quote);
                    i += 2;
                    continue;
                }

                return (builder.ToString(), i + 1);
            }

            builder.Append(text[i++]);
        }

        throw new AnalysisException("The PartiQL statement has an unterminated quoted string.");
    }
}
