using Amazon.DynamoDBv2.Model;
using Gateway.Isolation.Configuration;
using Gateway.Policies;

namespace Gateway.Isolation.Memberships;

/// <summary>
/// An organization's item in the organizations table as the engine needs it, read once per
/// <see cref="MembershipOptions.StatusTtl"/> by <see cref="OrganizationService"/>: whether it exists, its status and where
/// its data lives, and its rate-limit <see cref="Tier"/> as written in the item (null when absent; the rate limiter
/// resolves it against the configured tiers), and its <see cref="Shards"/> (<see cref="MembershipOptions.ShardsAttribute"/>:
/// absent → one; a value that is not a power of two in 1…64 → <see cref="ShardsInvalid"/>, and the engine refuses the
/// organization's requests rather than treat it as unsharded).
/// </summary>
internal sealed record OrganizationRecord(OrganizationStatus Status, OrganizationDataLocation DataLocation, string? Tier = null, ShardCount Shards = default)
{
    /// <summary>The item's shard count attribute holds something other than a power of two in 1…64 (fail closed).</summary>
    public bool ShardsInvalid { get; init; }

    /// <summary>No item in the organizations table.</summary>
    public static readonly OrganizationRecord Unknown = new(OrganizationStatus.Unknown, OrganizationDataLocation.Legacy);

    /// <summary>The record an organizations-table item (or none) stands for.</summary>
    public static OrganizationRecord FromItem(Dictionary<string, AttributeValue>? item, MembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (item is not { Count: > 0 })
        {
            return Unknown;
        }

        var value = item.TryGetValue(options.StatusAttribute, out var s) ? s.S : null;
        var status = string.Equals(value, options.ActiveStatus, StringComparison.Ordinal) ? OrganizationStatus.Active
            : string.Equals(value, options.MigratingStatus, StringComparison.Ordinal) ? OrganizationStatus.Migrating
            : OrganizationStatus.Inactive;
        var location = !item.TryGetValue(options.DataLocationAttribute, out var l) || string.Equals(l.S, options.LegacyLocation, StringComparison.Ordinal)
            ? OrganizationDataLocation.Legacy
            : string.Equals(l.S, options.PartitionedLocation, StringComparison.Ordinal) ? OrganizationDataLocation.Partitioned : OrganizationDataLocation.Unrecognized;
        var tier = item.TryGetValue(options.TierAttribute, out var t) && !string.IsNullOrEmpty(t.S) ? t.S : null;
        var shards = ShardCount.One;
        var shardsInvalid = item.TryGetValue(options.ShardsAttribute, out var n) && !ShardCount.TryParse(n?.N, out shards);
        return new OrganizationRecord(status, location, tier, shards) { ShardsInvalid = shardsInvalid };
    }
}

/// <summary>An organization's status attribute, classified.</summary>
internal enum OrganizationStatus
{
    /// <summary>No item in the organizations table: unknown_organization.</summary>
    Unknown = 0,

    /// <summary>ACTIVE: the only status that lets requests through.</summary>
    Active,

    /// <summary>MIGRATING (its data is being cut over): 503 organization_migrating + Retry-After.</summary>
    Migrating,

    /// <summary>Any other status (SUSPENDED, absent, unknown values): organization_suspended.</summary>
    Inactive,
}

/// <summary>An organization's data location attribute, classified (it matters on routes with a legacy cluster).</summary>
internal enum OrganizationDataLocation
{
    /// <summary>Absent (never migrated) or LEGACY (rolled back): the legacy cluster.</summary>
    Legacy = 0,

    /// <summary>PARTITIONED: the isolated cluster with scoped credentials.</summary>
    Partitioned,

    /// <summary>Any other value: refused (fail closed), never routed by default.</summary>
    Unrecognized,
}
