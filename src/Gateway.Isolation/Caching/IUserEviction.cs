namespace Gateway.Isolation.Caching;

/// <summary>
/// A cache the eviction backplane drops a user's answers from (organization records, memberships, per-user credentials),
/// or an organization's (its record, every user's memberships in it, every credential set of it): the backplane knows
/// this interface only, so Caching references none of the caches built on it.
/// </summary>
internal interface IUserEviction
{
    /// <summary>
    /// Drops this instance's entries of <paramref name="userId"/> (in <paramref name="organizationId"/> when given) — with
    /// no user, every entry of <paramref name="organizationId"/> (never both null) — and completes once none looked up
    /// before the call can still be handed out or written to L2; returns how many it dropped.
    /// </summary>
    ValueTask<int> EvictAsync(string? userId, string? organizationId);
}
