using Amazon.DynamoDBv2.Model;
using Gateway.Backend.DynamoDb;

namespace Gateway.Backend.Tests.DynamoDb;

public sealed class SortKeyComparerTests
{
    [Theory]
    [InlineData("1", "2", -1)]
    [InlineData("10", "9", 1)]
    [InlineData("-10", "-9", -1)]
    [InlineData("-1", "0", -1)]
    [InlineData("0.5", "0.51", -1)]
    [InlineData("0.05", "0.5", -1)]
    [InlineData("100", "1E+2", 0)]
    [InlineData("1.50", "1.5", 0)]
    [InlineData("0", "-0", 0)]
    [InlineData("12345678901234567890123456789012345678", "12345678901234567890123456789012345679", -1)]
    [InlineData("1e-130", "0", 1)]
    public void Compare_Numbers_Numerically(string x, string y, int expected)
    {
        Assert.Equal(expected, Math.Sign(SortKeyComparer.Instance.Compare(new AttributeValue { N = x }, new AttributeValue { N = y })));
        Assert.Equal(-expected, Math.Sign(SortKeyComparer.Instance.Compare(new AttributeValue { N = y }, new AttributeValue { N = x })));
    }

    [Fact]
    public void Compare_Strings_ByUtf8BytesLikeDynamoDb()
    {
        // UTF-16 ordinal order puts the emoji (a surrogate pair, 0xD83D…) before U+FF61; UTF-8 order (DynamoDB's) after it.
        var halfwidth = new AttributeValue { S = "\uFF61" };
        var emoji = new AttributeValue { S = "\U0001F600" };

        Assert.True(SortKeyComparer.Instance.Compare(halfwidth, emoji) < 0);
        Assert.True(string.CompareOrdinal(halfwidth.S, emoji.S) > 0);
        Assert.True(SortKeyComparer.Instance.Compare(new AttributeValue { S = "a" }, new AttributeValue { S = "b" }) < 0);
    }

    [Fact]
    public void Compare_Binary_Unsigned()
    {
        var low = new AttributeValue { B = new MemoryStream([0x01]) };
        var high = new AttributeValue { B = new MemoryStream([0xFF]) };

        Assert.True(SortKeyComparer.Instance.Compare(low, high) < 0);
    }
}
