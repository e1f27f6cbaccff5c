using System.Collections.Immutable;
using Gateway.Policies.Documents;

namespace LocalAws.Identity;

/// <summary>An inline policy put on a role with IAM <c>PutRolePolicy</c>: its name, the JSON as given, the parsed document.</summary>
internal sealed record InlinePolicy(string Name, string Json, PolicyDocument Document);

/// <summary>
/// The inline policies of one role: those its source defines (a CloudFormation role's <c>Policies</c>), then as IAM's API
/// changes them (<c>PutRolePolicy</c> / <c>DeleteRolePolicy</c>, which may also replace or delete the source's). Every
/// session of the role holds this object, not a copy: IAM evaluates a role's current policies at request time, so a
/// policy put after a session was assumed applies to it on its next request. Readers take one immutable
/// <see cref="Snapshot"/>; writers swap it under a lock and bump its version (part of every cached decision's key).
/// </summary>
internal sealed class RoleInlinePolicies
{
    /// <summary>IAM's quota: the role's inline policies together, in characters not counting white space (<see cref="Size"/>).</summary>
    public const int MaxAggregateCharacters = 10_240;

    private readonly Lock _gate = new();
    private volatile Snapshot _current;

    /// <summary>Starts with <paramref name="initial"/> (the role's source-defined inline policies; not checked against the quota).</summary>
    public RoleInlinePolicies(IEnumerable<InlinePolicy> initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        var policies = ImmutableSortedDictionary.Create<string, InlinePolicy>(StringComparer.Ordinal);
        foreach (var policy in initial)
        {
            policies = policies.SetItem(policy.Name, policy);
        }

        _current = policies.IsEmpty ? Snapshot.Empty : Snapshot.Empty.With(policies);
    }

    /// <summary>The policies now (sorted by name), their documents and a version that changes on every put/delete.</summary>
    public Snapshot Current => _current;

    /// <summary>Adds or replaces <paramref name="policy"/>. False (nothing changed) when the role's inline policies
    /// would then exceed <see cref="MaxAggregateCharacters"/>; <paramref name="aggregate"/> is that would-be size.</summary>
    public bool TryPut(InlinePolicy policy, out int aggregate)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_gate)
        {
            var current = _current;
            aggregate = Size(policy.Json);
            foreach (var (name, existing) in current.Policies)
            {
                if (!string.Equals(name, policy.Name, StringComparison.Ordinal))
                {
                    aggregate += Size(existing.Json);
                }
            }

            if (aggregate > MaxAggregateCharacters)
            {
                return false;
            }

            _current = current.With(current.Policies.SetItem(policy.Name, policy));
            return true;
        }
    }

    /// <summary>Removes the named policy; false when the role has none of that name.</summary>
    public bool Delete(string name)
    {
        lock (_gate)
        {
            var current = _current;
            if (!current.Policies.ContainsKey(name))
            {
                return false;
            }

            _current = current.With(current.Policies.Remove(name));
            return true;
        }
    }

    /// <summary>Characters IAM counts toward the quota: the JSON without white space outside strings (white space
    /// inside a string counts: the stricter reading of "IAM doesn't count white space"), the same rule as the
    /// <c>revoke</c> verb's <see cref="Gateway.Policies.Revocations.TenantRevocations.CountedLength"/>.</summary>
    public static int Size(string json) => Gateway.Policies.Revocations.TenantRevocations.CountedLength(json);

    /// <summary>One consistent view: the policies by name, their documents in name order, and the version.</summary>
    internal sealed class Snapshot
    {
        public static readonly Snapshot Empty = new(ImmutableSortedDictionary.Create<string, InlinePolicy>(StringComparer.Ordinal), 0);

        private Snapshot(ImmutableSortedDictionary<string, InlinePolicy> policies, long version)
        {
            Policies = policies;
            Version = version;
            Documents = [.. policies.Values.Select(p => p.Document)];
        }

        public ImmutableSortedDictionary<string, InlinePolicy> Policies { get; }

        public IReadOnlyList<PolicyDocument> Documents { get; }

        public long Version { get; }

        public Snapshot With(ImmutableSortedDictionary<string, InlinePolicy> policies) => new(policies, Version + 1);
    }
}
