using Amazon.DynamoDBv2.Model;
using Gateway.Migration.Items;
using Gateway.Migration.Validation;

namespace Gateway.Migration.Tests.Items;

public sealed class ItemCodecTests
{
    private static Dictionary<string, AttributeValue> Item(string id, string name, string seats = "5") => new()
    {
        ["organizationId"] = new("acme"),
        ["applicationId"] = new(id),
        ["name"] = new(name),
        ["seats"] = new AttributeValue { N = seats },
        ["tags"] = new AttributeValue { SS = ["b", "a"] },
    };

    [Fact]
    public void Hash_AttributeAndSetOrder_Ignored()
    {
        var a = Item("app-1", "Billing");
        var b = new Dictionary<string, AttributeValue>(a.Reverse()) { ["tags"] = new AttributeValue { SS = ["a", "b"] } };

        Assert.Equal(ItemCodec.Hash(a), ItemCodec.Hash(b));
    }

    [Theory]
    [InlineData("app-1", "Billing ", "5")]
    [InlineData("app-2", "Billing", "5")]
    [InlineData("app-1", "Billing", "6")]
    [InlineData("app-1", "Billing", "5.5")]
    [InlineData("app-1", "Billing", "5.0000001")]
    public void Hash_AnyValueChanged_Differs(string id, string name, string seats)
        => Assert.NotEqual(ItemCodec.Hash(Item("app-1", "Billing")), ItemCodec.Hash(Item(id, name, seats)));

    [Fact]
    public void Hash_NumberAsDynamoDbStoresIt_Equal()
        => Assert.Equal(ItemCodec.Hash(Item("app-1", "Billing", "1.50")), ItemCodec.Hash(Item("app-1", "Billing", "1.5")));

    [Fact]
    public void Digest_FractionalNumberCorruptedToItsIntegerPart_NotTheSame()
    {
        // A copy that lost the fraction must never validate as equal to legacy.
        var legacy = new OrganizationDigest();
        var target = new OrganizationDigest();
        legacy.Add("app-1", Item("app-1", "Billing", "5.5"));
        target.Add("app-1", Item("app-1", "Billing", "5"));

        Assert.False(legacy.SameAs(target));
        Assert.Equal(["app-1"], legacy.Differences(target, 10));
    }

    [Fact]
    public void Digest_OrderIndependent_DuplicateCountsTwice()
    {
        var items = Enumerable.Range(0, 50).Select(i => Item($"app-{i}", $"n{i}")).ToList();
        var forward = new OrganizationDigest();
        var backward = new OrganizationDigest();
        foreach (var item in items)
        {
            forward.Add(item["applicationId"].S, item);
        }

        foreach (var item in Enumerable.Reverse(items))
        {
            backward.Add(item["applicationId"].S, item);
        }

        Assert.True(forward.SameAs(backward));
        backward.Add("app-0", items[0]);
        Assert.False(forward.SameAs(backward));
    }

    [Fact]
    public void Differences_ChangedAndMissingKeys_Named()
    {
        var legacy = new OrganizationDigest();
        var target = new OrganizationDigest();
        legacy.Add("k1", Item("app-1", "a"));
        legacy.Add("k2", Item("app-2", "b"));
        legacy.Add("k3", Item("app-3", "c"));
        target.Add("k1", Item("app-1", "a"));
        target.Add("k2", Item("app-2", "tampered"));

        Assert.Equal(["k2", "k3"], legacy.Differences(target, 10));
    }

    [Fact]
    public void Key_WrittenAndRead_RoundTrips()
    {
        var key = new Dictionary<string, AttributeValue> { ["applicationId"] = new("app-1"), ["n"] = new AttributeValue { N = "42" } };
        using var stream = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(stream))
        {
            ItemCodec.WriteKey(writer, key);
        }

        using var json = System.Text.Json.JsonDocument.Parse(stream.ToArray());
        var read = ItemCodec.ReadKey(json.RootElement);

        Assert.Equal("app-1", read["applicationId"].S);
        Assert.Equal("42", read["n"].N);
    }

    [Fact]
    public void WriteItem_ReadItem_EveryAttributeType_SameContentHash()
    {
        var item = EndToEnd.OffboardingTests.Item("acme", 7);
        item["empty"] = new AttributeValue { M = [], IsMSet = true };
        item["nothing"] = new AttributeValue { L = [], IsLSet = true };
        item["bytes"] = new AttributeValue { BS = [new MemoryStream([0, 255])] };
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            ItemCodec.WriteItem(writer, item);
        }

        using var json = System.Text.Json.JsonDocument.Parse(buffer.ToArray());
        var read = ItemCodec.ReadItem(json.RootElement);

        Assert.Equal(Convert.ToHexString(ItemCodec.Hash(item)), Convert.ToHexString(ItemCodec.Hash(read)));
        Assert.Equal(item.Keys.Order(StringComparer.Ordinal), read.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("\"seats\":{\"N\":\"7.50\"}", System.Text.Encoding.UTF8.GetString(buffer.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadItem_ValueWithoutType_FormatException()
    {
        using var json = System.Text.Json.JsonDocument.Parse("{\"a\":{}}");
        Assert.Throws<FormatException>(() => ItemCodec.ReadItem(json.RootElement));
    }
}
