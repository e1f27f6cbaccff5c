namespace Gateway.Isolation.Caching;

/// <summary>A lease-based mutual exclusion shared by the fleet (Redis <c>SET NX PX</c> in production).</summary>
internal interface IFleetLock
{
    /// <summary>True when the lock was taken for <paramref name="lease"/> with <paramref name="token"/>; false when someone else holds it.</summary>
    Task<bool> TryTakeAsync(string key, string token, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Releases the lock if <paramref name="token"/> still holds it.</summary>
    Task ReleaseAsync(string key, string token, CancellationToken cancellationToken);
}
