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
        using var service = new OrganizationPlacementService((_, _) => { reads++; return Task.FromResult<Dictionary<string, AttributeValue>?>(Item(status)); }, Microsoft.Extensions.Options.Options.Create(new TenantIsolationOptions()), time);
        var acme = OrganizationId.Parse("acme");

        Assert.Equal(OrganizationPlacement.Legacy, await service.GetAsync(acme, CancellationToken.None));
        status = "MIGRATING";
        Assert.Equal(OrganizationPlacement.Legacy, await service.GetAsync(acme, CancellationToken.None));
        time.Advance(Options.StatusTtl);

        Assert.Equal(OrganizationPlacement.Migrating, await service.GetAsync(acme, CancellationToken.None));
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task GetAsync_ReadFails_UnavailableAndNotCached()
    {
        var fail = true;
        using var service = new OrganizationPlacementService(
            (_, _) => fail ? throw new Amazon.DynamoDBv2.AmazonDynamoDBException("throttled") : Task.FromResult<Dictionary<string, AttributeValue>?>(Item("ACTIVE", "PARTITIONED")),
            Microsoft.Extensions.Options.Options.Create(new TenantIsolationOptions()), new FakeTimeProvider());
        var acme = OrganizationId.Parse("acme");

        await Assert.ThrowsAsync<MembershipUnavailableException>(() => service.GetAsync(acme, CancellationToken.None).AsTask());
        fail = false;

        Assert.Equal(OrganizationPlacement.Partitioned, await service.GetAsync(acme, CancellationToken.None));
    }
}
