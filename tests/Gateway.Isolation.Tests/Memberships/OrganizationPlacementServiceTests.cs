using Amazon.DynamoDBv2.Model;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Memberships;
using Gateway.Policies;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.Memberships;

public sealed class OrganizationPlacementServiceTests
{
    private static readonly MembershipOptions Options = new();

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

    public static TheoryData<string?, string?, string> Cases => new()
    {
        { "ACTIVE", null, "Legacy" },
        { "ACTIVE", "LEGACY", "Legacy" },
        { "ACTIVE", "PARTITIONED", "Partitioned" },
        { "ACTIVE", "partitioned", "UnknownLocation" },
        { "ACTIVE", "", "UnknownLocation" },
        { "MIGRATING", "PARTITIONED", "Migrating" },
        { "MIGRATING", null, "Migrating" },
        { "SUSPENDED", "PARTITIONED", "Inactive" },
        { null, null, "Inactive" },
        { "active", null, "Inactive" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classify_StatusAndLocation_Placement(string? status, string? location, string expected)
        => Assert.Equal(expected, OrganizationPlacementService.Classify(Item(status, location), Options).ToString());

    [Fact]
    public void Classify_NoItem_Unknown() => Assert.Equal(OrganizationPlacement.Unknown, OrganizationPlacementService.Classify(null, Options));

    [Fact]
    public async Task GetAsync_WithinStatusTtl_CachedThenReadAgain()
    {
        var time = new FakeTimeProvider();
        var reads = 0;
        var status = "ACTIVE";
        using var service = new OrganizationPlacementService((_, _) => { reads++; return Task.FromResult<Dictionary<string, AttributeValue>?>(Item(status)); }, TestOptions.Watch(new TenantIsolationOptions()), time);
        var acme = OrganizationId.Parse("acme");

        Assert.Equal(OrganizationPlacement.Legacy, await service.GetAsync(acme, CancellationToken.None));
        status = "MIGRATING";
        Assert.Equal(OrganizationPlacement.Legacy, await service.GetAsync(acme, CancellationToken.None));
        time.Advance(Options.StatusTtl);

        Assert.Equal(OrganizationPlacement.Migrating, await service.GetAsync(acme, CancellationToken.None));
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task GetAsync_StatusTtlReloaded_TheNextAnswerIsCachedForTheNewTtl()
    {
        var time = new FakeTimeProvider();
        var reads = 0;
        var options = TestOptions.Watch(new TenantIsolationOptions());
        using var service = new OrganizationPlacementService((_, _) => { reads++; return Task.FromResult<Dictionary<string, AttributeValue>?>(Item("ACTIVE")); }, options, time);
        var acme = OrganizationId.Parse("acme");
        var reloaded = new TenantIsolationOptions();
        reloaded.Membership.StatusTtl = TimeSpan.FromSeconds(8);
        options.CurrentValue = reloaded;

        await service.GetAsync(acme, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(7));
        await service.GetAsync(acme, CancellationToken.None);
        Assert.Equal(1, reads); // the twin: inside the reloaded 8 s, past the 2 s of start-up

        time.Advance(TimeSpan.FromSeconds(2));
        await service.GetAsync(acme, CancellationToken.None);
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task GetAsync_ReadFails_UnavailableAndNotCached()
    {
        var fail = true;
        using var service = new OrganizationPlacementService(
            (_, _) => fail ? throw new Amazon.DynamoDBv2.AmazonDynamoDBException("throttled") : Task.FromResult<Dictionary<string, AttributeValue>?>(Item("ACTIVE", "PARTITIONED")),
            TestOptions.Watch(new TenantIsolationOptions()), new FakeTimeProvider());
        var acme = OrganizationId.Parse("acme");

        await Assert.ThrowsAsync<MembershipUnavailableException>(() => service.GetAsync(acme, CancellationToken.None).AsTask());
        fail = false;

        Assert.Equal(OrganizationPlacement.Partitioned, await service.GetAsync(acme, CancellationToken.None));
    }
}
