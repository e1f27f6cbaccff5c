using Gateway.Isolation.Memberships;
using Gateway.Policies;

namespace Gateway.Isolation.Tests.Memberships;

/// <summary>Answers every lookup with <see cref="Answer"/>, or fails like an unreachable DynamoDB when <see cref="Fail"/> is set.</summary>
internal sealed class FakeMembershipStore : IMembershipStore
{
    private int _calls;

    public Membership Answer { get; set; } = Membership.NotAMember;

    public bool Fail { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Completes each lookup when set (a lookup in flight); null answers at once.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public Task<Membership> LookupAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        if (Gate is { } gate)
        {
            return AnswerAfterAsync(gate.Task);
        }

        return Fail
            ? Task.FromException<Membership>(new MembershipUnavailableException("DynamoDB membership lookup failed (network)."))
            : Task.FromResult(Answer);
    }

    private async Task<Membership> AnswerAfterAsync(Task gate)
    {
        await gate.ConfigureAwait(false);
        return Fail ? throw new MembershipUnavailableException("DynamoDB membership lookup failed (network).") : Answer;
    }

    public Task CheckReachableAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
