using Gateway.Isolation.Credentials;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Isolation.Tests.Credentials;

/// <summary>Issues credentials valid for <see cref="Lifetime"/> from the fake clock; can be gated, failed or made to return expired ones.</summary>
internal sealed class FakeCredentialIssuer(TimeProvider time) : ICredentialIssuer
{
    private int _calls;

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

    public Exception? FailWith { get; set; }

    /// <summary>When set, every issue waits for this task (lets tests pile up concurrent misses).</summary>
    public Task? Gate { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Every key asked for, with the permission set's name, in call order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(CredentialKey Key, string PermissionSet)> Issued { get; } = new();

    public async Task<ScopedCredentials> IssueAsync(CredentialKey key, PermissionSet permissionSet, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _calls);
        Issued.Enqueue((key, permissionSet.Name));
        if (Gate is { } gate)
        {
            await gate;
        }

        if (FailWith is { } failure)
        {
            throw failure;
        }

        return new ScopedCredentials($"ASIA{n:D16}", $"secret-{n}", $"token-{n}", time.GetUtcNow() + Lifetime, $"{key.OrganizationId}-session");
    }

    public Task CheckReachableAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
