namespace Gateway.Envelopes.Tests;

public sealed class LogValueTests
{
    [Theory]
    [InlineData("acme", "\"acme\"")]
    [InlineData("", "\"\"")]
    [InlineData("/applications/a-1", "\"/applications/a-1\"")]
    [InlineData("Zürich 🙂", "\"Zürich 🙂\"")] // non-ASCII text and a valid surrogate pair stay readable
    public void Quote_PlainValue_WrappedInQuotesUnchanged(string value, string expected)
    {
        Assert.Equal(expected, LogValue.Quote(value));
    }

    [Fact]
    public void Quote_Null_Dash()
    {
        Assert.Equal("-", LogValue.Quote(null));
    }

    [Theory]
    [InlineData("a\"b", "\"a\\\"b\"")]
    [InlineData("a\\b", "\"a\\\\b\"")]
    [InlineData("a\r\nwarn: forged", "\"a\\u000d\\u000awarn: forged\"")]
    [InlineData("a\vb", "\"a\\u000bb\"")]
    [InlineData("a\fb", "\"a\\u000cb\"")]
    [InlineData("a\u0000b", "\"a\\u0000b\"")]
    [InlineData("a\u001bb", "\"a\\u001bb\"")]
    [InlineData("a\u007fb", "\"a\\u007fb\"")]
    [InlineData("a\u0085b", "\"a\\u0085b\"")]
    [InlineData("a\u2028b", "\"a\\u2028b\"")]
    [InlineData("a\u2029b", "\"a\\u2029b\"")]
    [InlineData("a\u202eb", "\"a\\u202eb\"")] // bidi override
    [InlineData("a\ufeffb", "\"a\\ufeffb\"")] // zero-width no-break space (format)
    public void Quote_BreakingCharacter_Escaped(string value, string expected)
    {
        Assert.Equal(expected, LogValue.Quote(value));
    }

    [Fact]
    public void Quote_LoneSurrogate_Escaped()
    {
        // Built at run time: attribute arguments cannot carry lone surrogates intact.
        var high = "a" + (char)0xD800 + "b";
        var low = "a" + (char)0xDC00;
        var reversedPair = "a" + (char)0xDC00 + (char)0xD800;

        Assert.Equal("\"a\\ud800b\"", LogValue.Quote(high));
        Assert.Equal("\"a\\udc00\"", LogValue.Quote(low));
        Assert.Equal("\"a\\udc00\\ud800\"", LogValue.Quote(reversedPair));
    }

    [Fact]
    public void Quote_EveryChar_OneLineThatJsonReadsBackAsTheValue()
    {
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var value = "x" + (char)c + "y";

            var quoted = LogValue.Quote(value);

            Assert.Equal(-1, quoted.AsSpan().IndexOfAny(LineBreaks));
            if (!char.IsSurrogate((char)c))
            {
                Assert.Equal(value, System.Text.Json.JsonSerializer.Deserialize<string>(quoted));
            }
        }
    }

    [Fact]
    public void AppendQuoted_EveryChar_AppendsExactlyWhatQuoteReturns()
    {
        var builder = new System.Text.StringBuilder("prefix ");
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var value = "x" + (char)c + "y";
            builder.Length = 7;

            LogValue.AppendQuoted(builder, value);

            Assert.Equal("prefix " + LogValue.Quote(value), builder.ToString());
        }

        builder.Length = 7;
        Assert.Equal("prefix -", LogValue.AppendQuoted(builder, null).ToString());
        builder.Length = 7;
        Assert.Equal("prefix \"a\\ud800\"", LogValue.AppendQuoted(builder, "a" + (char)0xD800).ToString());
    }

    private static readonly System.Buffers.SearchValues<char> LineBreaks = System.Buffers.SearchValues.Create("\r\n\v\f\u0085\u2028\u2029");
}
