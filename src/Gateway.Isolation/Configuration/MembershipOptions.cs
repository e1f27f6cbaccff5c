namespace Gateway.Isolation.Configuration;

/// <summary>The <c>TenantIsolation:Membership</c> section: where memberships and organization status live, and how long answers are cached.</summary>
public sealed class MembershipOptions
{
    /// <summary>Membership table. Default OrganizationUsers.</summary>
    public string MembershipTable { get; set; } = "OrganizationUsers";

    /// <summary>Partition key (user id) of the membership table. Default userId.</summary>
    public string UserIdAttribute { get; set; } = "userId";

    /// <summary>Sort key (organization id) of the membership table. Default organizationId.</summary>
    public string OrganizationIdAttribute { get; set; } = "organizationId";

    /// <summary>Attribute holding the membership role. Default role.</summary>
    public string RoleAttribute { get; set; } = "role";

    /// <summary>Organizations table. Default Organizations.</summary>
    public string OrganizationsTable { get; set; } = "Organizations";

    /// <summary>Partition key of the organizations table. Default organizationId.</summary>
    public string OrganizationsKeyAttribute { get; set; } = "organizationId";

    /// <summary>Attribute holding the organization status. Default status.</summary>
    public string StatusAttribute { get; set; } = "status";

    /// <summary>The only status that lets requests through. Default ACTIVE.</summary>
    public string ActiveStatus { get; set; } = "ACTIVE";

    /// <summary>
    /// The status of an organization being moved to a partitioned table: its requests are answered 503
    /// <c>organization_migrating</c> + Retry-After (<see cref="MigratingRetryAfter"/>). Default MIGRATING.
    /// </summary>
    public string MigratingStatus { get; set; } = "MIGRATING";

    /// <summary>
    /// Attribute of the organizations table saying where the organization's data lives, read on routes with a
    /// <c>LegacyCluster</c>: <see cref="PartitionedLocation"/> → the isolated cluster with scoped credentials;
    /// <see cref="LegacyLocation"/> or absent (never migrated) → the legacy cluster; any other value → refused. Default dataLocation.
    /// </summary>
    public string DataLocationAttribute { get; set; } = "dataLocation";

    /// <summary>Attribute of the organizations table naming the organization's rate-limit tier (<c>TenantIsolation:RateLimits:Tiers</c>); absent → the default tier. Default tier.</summary>
    public string TierAttribute { get; set; } = "tier";

    /// <summary>
    /// Number attribute of the organizations table giving the organization's shard count: absent or 1 → the single
    /// partition key <c>{organizationId}</c>; 2, 4, … 64 → the keys <c>{organizationId}#0</c>…<c>#N−1</c>. Any other value
    /// refuses the organization's requests (500 <c>invalid_shard_count</c>), never treats it as unsharded. Default shards.
    /// </summary>
    public string ShardsAttribute { get; set; } = "shards";

    /// <summary>Value of <see cref="DataLocationAttribute"/> for a migrated organization. Default PARTITIONED.</summary>
    public string PartitionedLocation { get; set; } = "PARTITIONED";

    /// <summary>Value of <see cref="DataLocationAttribute"/> for an organization on legacy (set by rollback). Default LEGACY.</summary>
    public string LegacyLocation { get; set; } = "LEGACY";

    /// <summary>
    /// How long an organization's status and data location are cached by the routing lookup (separate from the membership
    /// cache). <c>cutover</c> waits this long after setting MIGRATING before it copies the delta. Default 2 s, at most 10 s.
    /// </summary>
    public TimeSpan StatusTtl { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Retry-After sent with organization_migrating. Default 5 s.</summary>
    public TimeSpan MigratingRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a positive answer (member of an active organization) is cached. Default 30 s, at most 60 s.</summary>
    public TimeSpan PositiveTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a negative answer (not a member, suspended, unknown) is cached. Default 5 s, at most 10 s.</summary>
    public TimeSpan NegativeTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Maximum cached membership answers. Default 100,000.</summary>
    public int CacheSizeLimit { get; set; } = 100_000;

    /// <summary>Retry-After sent with membership_unavailable. Default 2 s.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(2);
}
