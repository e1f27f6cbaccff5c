namespace Gateway.Isolation.Configuration;

/// <summary>The <c>TenantIsolation:Membership</c> section (<see cref="MembershipOptions"/>).</summary>
internal static class MembershipOptionsValidator
{
    internal static readonly TimeSpan MaxPositiveTtl = TimeSpan.FromSeconds(60);
    internal static readonly TimeSpan MaxNegativeTtl = TimeSpan.FromSeconds(10);
    internal static readonly TimeSpan MaxStatusTtl = TimeSpan.FromSeconds(10);

    public static void Validate(MembershipOptions m, string section, List<string> errors)
    {
        Required(m.MembershipTable, section, nameof(MembershipOptions.MembershipTable), errors);
        Required(m.UserIdAttribute, section, nameof(MembershipOptions.UserIdAttribute), errors);
        Required(m.OrganizationIdAttribute, section, nameof(MembershipOptions.OrganizationIdAttribute), errors);
        Required(m.RoleAttribute, section, nameof(MembershipOptions.RoleAttribute), errors);
        Required(m.OrganizationsTable, section, nameof(MembershipOptions.OrganizationsTable), errors);
        Required(m.OrganizationsKeyAttribute, section, nameof(MembershipOptions.OrganizationsKeyAttribute), errors);
        Required(m.StatusAttribute, section, nameof(MembershipOptions.StatusAttribute), errors);
        Required(m.ActiveStatus, section, nameof(MembershipOptions.ActiveStatus), errors);
        if (m.PositiveTtl <= TimeSpan.Zero || m.PositiveTtl > MaxPositiveTtl)
        {
            errors.Add($"{section}:PositiveTtl must be between 0 and 60 seconds (was {m.PositiveTtl}).");
        }

        if (m.NegativeTtl < TimeSpan.Zero || m.NegativeTtl > MaxNegativeTtl)
        {
            errors.Add($"{section}:NegativeTtl must be between 0 and 10 seconds (was {m.NegativeTtl}).");
        }

        Required(m.MigratingStatus, section, nameof(MembershipOptions.MigratingStatus), errors);
        Required(m.DataLocationAttribute, section, nameof(MembershipOptions.DataLocationAttribute), errors);
        Required(m.TierAttribute, section, nameof(MembershipOptions.TierAttribute), errors);
        Required(m.ShardsAttribute, section, nameof(MembershipOptions.ShardsAttribute), errors);
        Required(m.PartitionedLocation, section, nameof(MembershipOptions.PartitionedLocation), errors);
        Required(m.LegacyLocation, section, nameof(MembershipOptions.LegacyLocation), errors);
        if (string.Equals(m.MigratingStatus, m.ActiveStatus, StringComparison.Ordinal) || string.Equals(m.PartitionedLocation, m.LegacyLocation, StringComparison.Ordinal))
        {
            errors.Add($"{section}:MigratingStatus must differ from ActiveStatus, and PartitionedLocation from LegacyLocation.");
        }

        if (m.StatusTtl <= TimeSpan.Zero || m.StatusTtl > MaxStatusTtl)
        {
            errors.Add($"{section}:StatusTtl must be between 0 and 10 seconds (was {m.StatusTtl}).");
        }

        if (m.MigratingRetryAfter < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{section}:MigratingRetryAfter must be at least 1 second.");
        }

        if (m.CacheSizeLimit < 1)
        {
            errors.Add($"{section}:CacheSizeLimit must be at least 1.");
        }

        if (m.RetryAfter < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{section}:RetryAfter must be at least 1 second.");
        }
    }

    private static void Required(string? value, string section, string name, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{section}:{name} is required.");
        }
    }
}
