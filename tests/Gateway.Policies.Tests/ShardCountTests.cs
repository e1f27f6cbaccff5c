namespace Gateway.Policies.Tests;

public class ShardCountTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(64)]
    public void TryCreate_PowerOfTwoUpTo64_Accepted(int value)
    {
        Assert.True(ShardCount.TryCreate(value, out var shards));
        Assert.Equal(value, shards.Value);
        Assert.Equal(value > 1, shards.IsSharded);
        Assert.True(ShardCount.TryParse(value.ToString(System.Globalization.CultureInfo.InvariantCulture), out var parsed));
        Assert.Equal(shards, parsed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(63)]
    [InlineData(65)]
    [InlineData(128)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public void TryCreate_Other_Refused(long value)
    {
        Assert.False(ShardCount.TryCreate(value, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardCount.Create(value));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("08")]
    [InlineData("8.0")]
    [InlineData("+8")]
    [InlineData(" 8")]
    [InlineData("8e0")]
    [InlineData("128")]
    [InlineData("3")]
    [InlineData("٨")]
    public void TryParse_AnythingButThePlainNumber_Refused(string? text) => Assert.False(ShardCount.TryParse(text, out _));

    [Fact]
    public void Default_IsOneShard_TheUnshardedKey()
    {
        var acme = OrganizationId.Parse("acme");

        Assert.Equal(1, default(ShardCount).Value);
        Assert.Equal(ShardCount.One, default);
        Assert.Equal(["acme"], default(ShardCount).PartitionKeys(acme));
    }

    [Fact]
    public void PartitionKeys_Sharded_AreOrgHashK()
    {
        var acme = OrganizationId.Parse("acme");

        Assert.Equal(["acme#0", "acme#1", "acme#2", "acme#3"], ShardCount.Create(4).PartitionKeys(acme));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardCount.Create(4).PartitionKey(acme, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardCount.Create(4).PartitionKey(acme, -1));
        Assert.Throws<ArgumentException>(() => ShardCount.Create(4).PartitionKey(default, 0));
    }
}
