using Gateway.Isolation.Memberships;
using Gateway.Policies;

namespace Gateway.Isolation.Tests.Memberships;

/// <summary>Answers every read with <see cref="Answer"/> (ACTIVE, never migrated by default), or fails like an unreachable DynamoDB when <see cref="Fail"/> is set.</summary>
internal sealed class FakeOrganizationStore : IOrganizationStore
{
    public static readonly OrganizationRecord Active = new(OrganizationStatus.Active, OrganizationDataLocation.Legacy);

    private int _calls;

    public OrganizationRecord Answer { get; set; } = Active;

    /// <summary>Answers for named organizations (others get <see cref="Answer"/>).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, OrganizationRecord> ByOrganization { get; } = new(StringComparer.Ordinal);

    public bool Fail { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Completes each read when set (a read in flight); null answers at once.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public async Task<OrganizationRecord> ReadAsync(OrganizationId organizationId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        var answer = ByOrganization.TryGetValue(organizationId.Value, out var named) ? named : Answer;
        if (Gate is { } gate)
        {
            await gate.Task.ConfigureAwait(false);
        }

        return Fail ? throw new MembershipUnavailableException("DynamoDB organization lookup failed (network).") : answer;
    }
}
