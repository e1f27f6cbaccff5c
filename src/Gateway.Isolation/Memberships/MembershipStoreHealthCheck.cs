using Gateway.Isolation.Diagnostics;

namespace Gateway.Isolation.Memberships;

/// <summary>Ready when the membership table can be read with the gateway's own credentials.</summary>
internal sealed class MembershipStoreHealthCheck(IMembershipStore store, TimeProvider time) : DependencyHealthCheck(time)
{
    protected override string Name => "membership store";

    protected override Task ProbeAsync(CancellationToken cancellationToken) => store.CheckReachableAsync(cancellationToken);
}
