using System.Text;
using Amazon.DynamoDBv2.Model;
using Gateway.Backend.DynamoDb;

namespace Gateway.Backend.Tests.DynamoDb;

public sealed class TenantShardsTests
{
    // The same vectors are in docs/backend.md, computed there by the Python and Node snippets.
    [Theory]
    [InlineData("S", "app-1", 8, 5)]
    [InlineData("S", "app-2", 8, 1)]
    [InlineData("S", "app-1", 64, 37)]
    [InlineData("S", "Zürich-日本", 16, 5)]
    [InlineData("N", "42", 8, 4)]
    [InlineData("N", "-7.25", 32, 23)]
    [InlineData("B", "AAH/", 4, 2)]
    [InlineData("S", "app-1", 1, 0)]
    public void ShardOf_TestVectors(string type, string value, int shards, int expected)
    {
        var key = type switch
        {
            "S" => new AttributeValue { S = value },
            "N" => new AttributeValue { N = value },
            _ => new AttributeValue { B = new MemoryStream(Convert.FromBase64String(value)) },
        };

        Assert.Equal(expected, TenantShards.ShardOf(key, shards));
    }

    [Fact]
    public void PartitionKey_OneShardIsTheOrganizationId_ElseHashSeparated()
    {
        Assert.Equal("acme", TenantShards.PartitionKey("acme", 0, 1));
        Assert.Equal("acme#5", TenantShards.PartitionKey("acme", 5, 8));
        Assert.Equal(["acme#0", "acme#1", "acme#2", "acme#3"], TenantShards.PartitionKeys("acme", 4));
        Assert.Equal(["acme"], TenantShards.PartitionKeys("acme", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TenantShards.PartitionKey("acme", 8, 8));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(8, true)]
    [InlineData(64, true)]
    [InlineData(0, false)]
    [InlineData(3, false)]
    [InlineData(12, false)]
    [InlineData(128, false)]
    [InlineData(-8, false)]
    public void IsValidShardCount_PowersOfTwoUpTo64(int shards, bool valid)
    {
        Assert.Equal(valid, TenantShards.IsValidShardCount(shards));
        var exception = Record.Exception(() => TenantShards.ShardOf(new AttributeValue { S = "x" }, shards));
        Assert.Equal(valid, exception is null);
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("42", true)]
    [InlineData("-7.25", true)]
    [InlineData("0.5", true)]
    [InlineData("-0.001", true)]
    [InlineData("12345678901234567890123456789012345678", true)]
    [InlineData("042", false)]
    [InlineData("1.50", false)]
    [InlineData("1.0", false)]
    [InlineData("1.", false)]
    [InlineData(".5", false)]
    [InlineData("1e3", false)]
    [InlineData("+1", false)]
    [InlineData("-0", false)]
    [InlineData("-", false)]
    [InlineData("", false)]
    [InlineData(" 1", false)]
    public void CanonicalBytes_NumbersOnlyInCanonicalForm(string number, bool accepted)
    {
        Assert.Equal(accepted, TenantShards.IsCanonicalNumber(number));
        var exception = Record.Exception(() => TenantShards.CanonicalBytes(new AttributeValue { N = number }));
        Assert.Equal(accepted, exception is null);
        if (accepted)
        {
            Assert.Equal(Encoding.ASCII.GetBytes(number), TenantShards.CanonicalBytes(new AttributeValue { N = number }));
        }
        else
        {
            Assert.IsType<ArgumentException>(exception);
        }
    }

    [Fact]
    public void CanonicalBytes_NotAScalarKey_Refused()
    {
        Assert.Throws<ArgumentException>(() => TenantShards.CanonicalBytes(new AttributeValue { BOOL = true }));
        Assert.Equal("app-1"u8.ToArray(), TenantShards.CanonicalBytes(new AttributeValue { S = "app-1" }));
    }

    [Fact]
    public void ShardOf_SpreadsKeysOverEveryShard()
    {
        var counts = new int[8];
        for (var i = 0; i < 4000; i++)
        {
            counts[TenantShards.ShardOf(new AttributeValue { S = $"app-{i}" }, 8)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 400, 600));
    }
}
