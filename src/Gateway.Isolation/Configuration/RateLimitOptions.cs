namespace Gateway.Isolation.Configuration;

/// <summary>
/// The <c>TenantIsolation:RateLimits</c> section: per-organization limits by tier. An organization's tier is the
/// <c>tier</c> attribute of its Organizations item (<see cref="MembershipOptions.TierAttribute"/>); absent →
/// <see cref="DefaultTier"/>; a tier this section does not name → <see cref="DefaultTier"/> and a warning (never
/// unlimited). Reloads without a restart: buckets keep their tokens (capped at the new burst) and refill at the new rate.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Apply the limits (default false: see README "Rate limits").</summary>
    public bool Enabled { get; set; }

    /// <summary>The tier of organizations without a (known) <c>tier</c> attribute. Default <c>default</c>; must name a tier in <see cref="Tiers"/> when enabled.</summary>
    public string DefaultTier { get; set; } = "default";

    /// <summary>
    /// Instances of the fleet. With <c>TenantIsolation:SharedCache:Redis</c> set the limits are the fleet's; while Redis
    /// is slow or down each instance enforces <c>limit / ExpectedInstances</c> locally (the rate exactly, e.g. 2.5/s;
    /// the burst rounded down, at least 1: the fleet in fallback never exceeds the limit), and
    /// <see cref="RateLimitTierOptions.ConcurrentRequests"/> is always per instance as <c>limit / ExpectedInstances</c>.
    /// Default 1.
    /// </summary>
    public int ExpectedInstances { get; set; } = 1;

    /// <summary>Tiers by name (<c>[A-Za-z0-9._-]</c>, 1–32 characters).</summary>
    public Dictionary<string, RateLimitTierOptions> Tiers { get; set; } = new(StringComparer.Ordinal);
}
