namespace Gateway.Isolation.Caching;

/// <summary>Outcome of trying the fleet lock.</summary>
internal enum FleetLockState
{
    /// <summary>This instance holds the lock until it releases it (or the lease ends).</summary>
    Acquired = 0,

    /// <summary>Another instance holds it: wait for its result in L2.</summary>
    Held = 1,

    /// <summary>The lock tier did not answer: go on with per-instance single flight.</summary>
    Unavailable = 2,
}
