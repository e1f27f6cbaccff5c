using Amazon.DynamoDBv2.Model;
using Gateway.Migration.Items;

namespace Gateway.Migration.Tests.Items;

public sealed class ItemMapperTests
{
    private static readonly KeyShape Source = new() { PartitionKey = "applicationId", PartitionKeyType = "S" };
    private static readonly KeyShape Target = new() { PartitionKey = "organizationId", PartitionKeyType = "S", SortKey = "applicationId", SortKeyType = "S" };
    private readonly ItemMapper _mapper = new("orgId", null, Source, Target);

    public static TheoryData<AttributeValue?, string> Unassignable => new()
    {
        { null, ItemMapper.MissingReason },
        { new AttributeValue { NULL = true }, ItemMapper.MissingReason },
        { new AttributeValue("acme/eu"), ItemMapper.InvalidReason },
        { new AttributeValue("-acme"), ItemMapper.InvalidReason },
        { new AttributeValue { N = "12" }, ItemMapper.InvalidReason },
        { new AttributeValue { SS = ["acme", "globex"] }, ItemMapper.SeveralReason },
        { new AttributeValue { SS = ["acme"] }, ItemMapper.SetOrListReason },
        { new AttributeValue { L = [new AttributeValue("acme")] }, ItemMapper.SetOrListReason },
    };

    [Theory]
    [MemberData(nameof(Unassignable))]
    public void TryGetOrganization_Unassignable_ReasonGiven(AttributeValue? organization, string reason)
    {
        var item = new Dictionary<string, AttributeValue> { ["applicationId"] = new("app-1") };
        if (organization is not null)
        {
            item["orgId"] = organization;
        }

        Assert.False(_mapper.TryGetOrganization(item, out _, out var actual));
        Assert.Equal(reason, actual);
    }

    [Fact]
    public void ToTarget_Assignable_PartitionKeyIsTheOrganizationEveryAttributeKept()
    {
        var item = new Dictionary<string, AttributeValue> { ["applicationId"] = new("app-1"), ["orgId"] = new("acme"), ["name"] = new("Billing") };

        Assert.True(_mapper.TryGetOrganization(item, out var organization, out _));
        var target = _mapper.ToTarget(item, organization, out var problem);

        Assert.Null(problem);
        Assert.NotNull(target);
        Assert.Equal("acme", target["organizationId"].S);
        Assert.Equal("app-1", target["applicationId"].S);
        Assert.Equal("Billing", target["name"].S);
        Assert.Equal("acme", target["orgId"].S);
    }

    [Fact]
    public void ToTarget_NoSortKeyValueOfTheTargetType_Problem()
    {
        var mapper = new ItemMapper("orgId", "createdAt", Source, Target);
        var item = new Dictionary<string, AttributeValue> { ["applicationId"] = new("app-1"), ["orgId"] = new("acme"), ["createdAt"] = new AttributeValue { N = "1" } };

        Assert.Null(mapper.ToTarget(item, "acme", out var problem));
        Assert.Contains("createdAt", problem, StringComparison.Ordinal);
    }
}
