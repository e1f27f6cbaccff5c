using Gateway.Isolation.Configuration;
using Gateway.Policies;
using Gateway.Policies.Revocations;
using Gateway.Policies.SessionPolicies;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// The revocations in force as this gateway last read them (<see cref="Revocations.RevocationWatcher"/>): per organization, the instant
/// before which a credential set the gateway requested is refused — the cut-off plus <c>Revocations:ClockSkew</c> — for all
/// of its sessions, or for the sessions of one <c>SourceIdentity</c> (a user's, and in <c>CredentialScope=Organization</c>
/// the shared one). Read on every credential lookup: one dictionary lookup by organization (none while nothing is revoked),
/// on an immutable snapshot swapped whole by <see cref="Update"/>.
/// </summary>
internal sealed class RevocationCutoffs
{
    private readonly string _sharedSourceIdentity;
    private readonly TimeSpan _skew;
    private volatile Snapshot _snapshot = Snapshot.Empty;

    public RevocationCutoffs(IOptions<TenantIsolationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _sharedSourceIdentity = options.Value.SourceIdentity;
        _skew = options.Value.Revocations.ClockSkew;
    }

    /// <summary>Active revocations (scopes) known to this gateway.</summary>
    public int Count => _snapshot.Scopes.Count;

    /// <summary>
    /// The instant before which a set of <paramref name="key"/> requested from STS is refused (cut-off + clock skew), or
    /// null when no revocation covers the key. The session's SourceIdentity is the one the issuer sends: the user's for a
    /// per-user key, else <c>TenantIsolation:SourceIdentity</c>.
    /// </summary>
    public DateTimeOffset? RefusedBefore(CredentialKey key)
    {
        var organizations = _snapshot.Organizations;
        if (organizations.Count == 0 || !organizations.TryGetValue(key.OrganizationId.Value, out var organization))
        {
            return null;
        }

        var refused = organization.All;
        if (organization.BySourceIdentity.Count > 0)
        {
            var sourceIdentity = key.UserId is null ? _sharedSourceIdentity : SessionNames.SourceIdentity(key.UserId);
            if (organization.BySourceIdentity.TryGetValue(sourceIdentity, out var before) && (refused is null || before > refused))
            {
                refused = before;
            }
        }

        return refused;
    }

    /// <summary>
    /// Whether a set of <paramref name="key"/> the gateway requested at <paramref name="requestedAt"/> is covered by a
    /// revocation: requested before its cut-off plus the clock skew, or at an unknown instant (an L2 entry written by an
    /// older gateway).
    /// </summary>
    public bool Refuses(CredentialKey key, DateTimeOffset? requestedAt)
        => RefusedBefore(key) is { } before && (requestedAt is not { } at || at < before);

    /// <summary>
    /// Replaces the revocations in force with <paramref name="entries"/> (every tenant role's, merged: the later cut-off per
    /// scope) read at <paramref name="observedAt"/>; returns the organizations with a scope that is new or has a later
    /// cut-off (their credential loads under way must be overtaken). A cut-off after <paramref name="observedAt"/> (the
    /// operator's clock ahead of this one) counts from <paramref name="observedAt"/>, so a load never waits longer than the
    /// clock skew and a set requested after it is kept; IAM still denies what the policy says.
    /// </summary>
    public IReadOnlyList<OrganizationId> Update(IEnumerable<Revocation> entries, DateTimeOffset observedAt, out int futureCutoffs)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var previous = _snapshot;
        var scopes = new Dictionary<string, Scope>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (!scopes.TryGetValue(entry.Scope, out var known) || entry.IssuedBefore > known.Revocation.IssuedBefore)
            {
                scopes[entry.Scope] = new Scope(entry, default);
            }
        }

        futureCutoffs = 0;
        var changed = new HashSet<OrganizationId>();
        foreach (var (name, scope) in scopes.ToArray())
        {
            var cutoff = scope.Revocation.IssuedBefore;
            DateTimeOffset effective;
            if (previous.Scopes.TryGetValue(name, out var before) && before.Revocation.IssuedBefore == cutoff)
            {
                effective = before.Effective; // the same entry as last time: the same instant (a clamped cut-off stays put)
            }
            else
            {
                if (cutoff > observedAt)
                {
                    futureCutoffs++;
                }

                effective = cutoff < observedAt ? cutoff : observedAt;
                if (!previous.Scopes.TryGetValue(name, out before) || before.Revocation.IssuedBefore < cutoff)
                {
                    changed.Add(scope.Revocation.Organization);
                }
            }

            scopes[name] = scope with { Effective = effective };
        }

        var organizations = new Dictionary<string, Organization>(StringComparer.Ordinal);
        foreach (var scope in scopes.Values)
        {
            var refusedBefore = scope.Effective + _skew;
            var organizationId = scope.Revocation.Organization.Value;
            var organization = organizations.TryGetValue(organizationId, out var o) ? o : new Organization(null, new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal));
            if (scope.Revocation.SourceIdentities.Count == 0)
            {
                organization = organization with { All = organization.All is { } all && all > refusedBefore ? all : refusedBefore };
            }
            else
            {
                foreach (var sourceIdentity in scope.Revocation.SourceIdentities)
                {
                    if (!organization.BySourceIdentity.TryGetValue(sourceIdentity, out var known) || refusedBefore > known)
                    {
                        organization.BySourceIdentity[sourceIdentity] = refusedBefore;
                    }
                }
            }

            organizations[organizationId] = organization;
        }

        _snapshot = new Snapshot(scopes, organizations);
        return changed.OrderBy(o => o.Value, StringComparer.Ordinal).ToArray();
    }

    private sealed record Scope(Revocation Revocation, DateTimeOffset Effective);

    private sealed record Organization(DateTimeOffset? All, Dictionary<string, DateTimeOffset> BySourceIdentity);

    private sealed record Snapshot(IReadOnlyDictionary<string, Scope> Scopes, IReadOnlyDictionary<string, Organization> Organizations)
    {
        public static readonly Snapshot Empty = new(new Dictionary<string, Scope>(), new Dictionary<string, Organization>());
    }
}
