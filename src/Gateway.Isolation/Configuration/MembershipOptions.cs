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

    /// <summary>How long a positive answer (member of an active organization) is cached. Default 30 s, at most 60 s.</summary>
    public TimeSpan PositiveTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a negative answer (not a member, suspended, unknown) is cached. Default 5 s, at most 10 s.</summary>
    public TimeSpan NegativeTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Maximum cached membership answers. Default 100,000.</summary>
    public int CacheSizeLimit { get; set; } = 100_000;

    /// <summary>Retry-After sent with membership_unavailable. Default 2 s.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(2);
}
