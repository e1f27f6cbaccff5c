using Amazon.DynamoDBv2.Model;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Memberships;
using Gateway.Policies;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.Memberships;

public sealed class OrganizationServiceTests
{
    private static readonly MembershipOptions Options = new();
    private static readonly OrganizationId Acme = OrganizationId.Parse("acme");

    private static Dictionary<string, AttributeValue> Item(string? status, string? location = null)
    {
        var item = new Dictionary<string, AttributeValue> { ["organizationId"] = new("acme") };
        if (status is not null)
        {
            item["status"] = new(status);
        }

        if (location is not null)
        {
            item["dataLocation"] = new(location);
        }

        return item;
    }

    public static TheoryData<string?, string?, string, string> Cases => new()
    {
        { "ACTIVE", null, "Active", "Legacy" },
        { "ACTIVE", "LEGACY", "Active", "Legacy" },
        { "ACTIVE", "PARTITIONED", "Active", "Partitioned" },
        { "ACTIVE", "partitioned", "Active", "Unrecognized" },
        { "ACTIVE", "", "Active", "Unrecognized" },
        { "MIGRATING", "PARTITIONED", "Migrating", "Partitioned" },
        { "MIGRATING", null, "Migrating", "Legacy" },
        { "SUSPENDED", "PARTITIONED", "Inactive", "Partitioned" },
        { null, null, "Inactive", "Legacy" },
        { "active", null, "Inactive", "Legacy" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FromItem_StatusAndLocation_Classified(string? status, string? location, string expectedStatus, string expectedLocation)
        => Assert.Equal(
            new OrganizationRecord(Enum.Parse<OrganizationStatus>(expectedStatus), Enum.Parse<OrganizationDataLocation>(expectedLocation)),
            OrganizationRecord.FromItem(Item(status, location), Options));

    [Theory]
    [InlineData("enterprise", "enterprise")]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void FromItem_TierAttribute_ReadWithTheRecord_AbsentIsNull(string? tier, string? expected)
    {
        var item = Item("ACTIVE", null);
        if (tier is not null)
        {
            item["tier"] = new Amazon.DynamoDBv2.Model.AttributeValue { S = tier };
        }

        Assert.Equal(expected, OrganizationRecord.FromItem(item, Options).Tier);
    }

    [Theory]
    [InlineData(null, null, 1, false)]
    [InlineData("1", null, 1, false)]
    [InlineData("2", null, 2, false)]
    [InlineData("8", null, 8, false)]
    [InlineData("64", null, 64, false)]
    [InlineData("0", null, 1, true)]
    [InlineData("3", null, 1, true)]
    [InlineData("128", null, 1, true)]
    [InlineData("-8", null, 1, true)]
    [InlineData("8.5", null, 1, true)]
    [InlineData(null, "8", 1, true)]
    public void FromItem_ShardsAttribute_PowerOfTwoUpTo64_AnythingElseInvalid(string? number, string? text, int expected, bool invalid)
    {
        var item = Item("ACTIVE", null);
        if (number is not null)
        {
            item["shards"] = new AttributeValue { N = number };
        }

        if (text is not null)
        {
            item["shards"] = new AttributeValue { S = text };
        }

        var record = OrganizationRecord.FromItem(item, Options);

        Assert.Equal(expected, record.Shards.Value);
        Assert.Equal(invalid, record.ShardsInvalid);
    }

    [Fact]
    public void FromItem_NoItem_Unknown() => Assert.Equal(OrganizationStatus.Unknown, OrganizationRecord.FromItem(null, Options).Status);

    [Fact]
    public async Task GetAsync_WithinStatusTtl_CachedThenReadAgain()
    {
        var time = new FakeTimeProvider();
        var store = new FakeOrganizationStore();
        using var service = new OrganizationService(store, TestOptions.Watch(new TenantIsolationOptions()), time);

        Assert.Equal(OrganizationStatus.Active, (await service.GetAsync(Acme, CancellationToken.None)).Status);
        store.Answer = new OrganizationRecord(OrganizationStatus.Migrating, OrganizationDataLocation.Legacy);
        Assert.Equal(OrganizationStatus.Active, (await service.GetAsync(Acme, CancellationToken.None)).Status);
        time.Advance(Options.StatusTtl);

        Assert.Equal(OrganizationStatus.Migrating, (await service.GetAsync(Acme, CancellationToken.None)).Status);
        Assert.Equal(2, store.Calls);
    }

    [Fact]
    public async Task GetAsync_StatusTtlReloaded_TheNextRecordIsCachedForTheNewTtl()
    {
        var time = new FakeTimeProvider();
        var store = new FakeOrganizationStore();
        var options = TestOptions.Watch(new TenantIsolationOptions());
        using var service = new OrganizationService(store, options, time);
        var reloaded = new TenantIsolationOptions();
        reloaded.Membership.StatusTtl = TimeSpan.FromSeconds(8);
        options.CurrentValue = reloaded;

        await service.GetAsync(Acme, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(7));
        await service.GetAsync(Acme, CancellationToken.None);
        Assert.Equal(1, store.Calls); // the twin: inside the reloaded 8 s, past the 2 s of start-up

        time.Advance(TimeSpan.FromSeconds(2));
        await service.GetAsync(Acme, CancellationToken.None);
        Assert.Equal(2, store.Calls);
    }

    [Fact]
    public async Task GetAsync_ReadFails_UnavailableAndNotCached()
    {
        var store = new FakeOrganizationStore { Fail = true };
        using var service = new OrganizationService(store, TestOptions.Watch(new TenantIsolationOptions()), new FakeTimeProvider());

        await Assert.ThrowsAsync<MembershipUnavailableException>(() => service.GetAsync(Acme, CancellationToken.None).AsTask());
        store.Fail = false;

        Assert.Equal(OrganizationStatus.Active, (await service.GetAsync(Acme, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task Evict_DropsTheCachedRecord_TwinOtherOrganizationStays()
    {
        var store = new FakeOrganizationStore();
        using var service = new OrganizationService(store, TestOptions.Watch(new TenantIsolationOptions()), new FakeTimeProvider());
        await service.GetAsync(Acme, CancellationToken.None);
        await service.GetAsync(OrganizationId.Parse("globex"), CancellationToken.None);
        store.Answer = new OrganizationRecord(OrganizationStatus.Inactive, OrganizationDataLocation.Legacy);

        Assert.Equal(1, service.Evict("acme"));

        Assert.Equal(OrganizationStatus.Inactive, (await service.GetAsync(Acme, CancellationToken.None)).Status);
        Assert.Equal(OrganizationStatus.Active, (await service.GetAsync(OrganizationId.Parse("globex"), CancellationToken.None)).Status);
    }

    [Theory]
    [InlineData("acme")]
    [InlineData(null)]
    public async Task Evict_WhileAReadIsInFlight_TheOldRecordIsNeitherHandedOutNorCached(string? evicted)
    {
        var store = new FakeOrganizationStore { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        using var service = new OrganizationService(store, TestOptions.Watch(new TenantIsolationOptions()), new FakeTimeProvider());
        var inFlight = service.GetAsync(Acme, CancellationToken.None).AsTask();
        await Eventually.UntilAsync(() => store.Calls == 1);

        // The organization is suspended and evicted while the read of its ACTIVE item is under way.
        store.Answer = new OrganizationRecord(OrganizationStatus.Inactive, OrganizationDataLocation.Legacy);
        service.Evict(evicted);
        store.Gate.SetResult();

        Assert.Equal(OrganizationStatus.Inactive, (await inFlight).Status);
        Assert.Equal(OrganizationStatus.Inactive, (await service.GetAsync(Acme, CancellationToken.None)).Status);
        Assert.Equal(2, store.Calls);
    }
}
