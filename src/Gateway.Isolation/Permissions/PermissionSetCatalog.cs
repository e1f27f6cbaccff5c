using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Gateway.Isolation.Configuration;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Permissions;

/// <summary>
/// The configured permission sets and the role → permission set mapping, as Gateway.Policies models. Built from an
/// <see cref="IOptionsMonitor{TOptions}"/>, it follows reloads of <c>TenantIsolation:PermissionSets</c>, <c>:Roles</c>
/// and <c>:Tables</c> (validated first, see <see cref="LastGoodOptionsMonitor{TOptions}"/>): every lookup reads the
/// current catalog (one field read). The isolation mode, the tenant role and the AWS scope are the start-up ones: the
/// credential issuer mints with them until a restart.
/// </summary>
public sealed class PermissionSetCatalog : IDisposable
{
    /// <summary>Stands in for the organization in the policy a digest is taken of (the organization is in the cache key already).</summary>
    private static readonly OrganizationId DigestOrganization = OrganizationId.Parse("organization");

    /// <summary>The start-up options: mode, tenant role and scope never change with a reload.</summary>
    private readonly TenantIsolationOptions _fixed;
    private readonly IDisposable? _subscription;
    private Snapshot _current;

    /// <summary>Whichever catalog was current before <see cref="_current"/>: a set looked up just before a reload still gets its own digest.</summary>
    private Snapshot? _previous;

    public PermissionSetCatalog(TenantIsolationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _fixed = options;
        Scope = PermissionSetConversion.CreateScope(options);
        _current = Build(options);
    }

    /// <summary>A catalog that follows <paramref name="options"/>' reloads.</summary>
    internal PermissionSetCatalog(IOptionsMonitor<TenantIsolationOptions> options)
        : this((options ?? throw new ArgumentNullException(nameof(options))).CurrentValue)
    {
        _subscription = options.OnChange((next, _) => Update(next));
    }

    public AwsScope Scope { get; }

    public IReadOnlyDictionary<string, PermissionSet> Sets => Volatile.Read(ref _current).Sets;

    public bool TryGetByName(string name, out PermissionSet permissionSet) => Volatile.Read(ref _current).Sets.TryGetValue(name, out permissionSet!);

    public bool TryGetForRole(string role, out PermissionSet permissionSet) => Volatile.Read(ref _current).ByRole.TryGetValue(role, out permissionSet!);

    /// <summary>
    /// 16 hex characters of SHA-256 over what the credentials of <paramref name="permissionSet"/> are minted with: the
    /// isolation mode, the role assumed, and the session policy (ABAC: the role policy) with the organization as a
    /// placeholder. Part of every credential cache key (in process and in Redis), so credentials minted under another
    /// definition of a permission set — by an instance with other settings, before a rollout, or before a reload of
    /// <c>TenantIsolation:PermissionSets</c> — are never served.
    /// </summary>
    public string PolicyDigest(PermissionSet permissionSet)
    {
        ArgumentNullException.ThrowIfNull(permissionSet);
        if (TryFind(permissionSet, out var entry))
        {
            return entry.Digest;
        }

        return Digest(_fixed.Mode, _fixed.RoleArn, _fixed.PermissionSets, new SessionPolicyBuilder(Scope), permissionSet);
    }

    /// <summary>ABAC mode: the role assumed for <paramref name="permissionSet"/> when it names its own (<c>PermissionSets:{name}:RoleArn</c>), else null.</summary>
    public string? RoleArnOf(PermissionSet permissionSet)
    {
        ArgumentNullException.ThrowIfNull(permissionSet);
        if (TryFind(permissionSet, out var entry))
        {
            return entry.RoleArn;
        }

        return _fixed.PermissionSets.TryGetValue(permissionSet.Name, out var set) && !string.IsNullOrEmpty(set.RoleArn) ? set.RoleArn : null;
    }

    /// <summary>
    /// The names of the tenant roles the gateway assumes (where <c>tenant-revocations</c> lives): <c>TenantIsolation:RoleArn</c>
    /// in SessionPolicy mode; in Abac mode each permission set's own role, or <c>RoleArn</c> for a set without one. Ordinal
    /// order, no duplicates.
    /// </summary>
    public IReadOnlyList<string> TenantRoleNames()
    {
        IEnumerable<string?> arns = _fixed.Mode == IsolationMode.Abac
            ? Sets.Values.Select(set => RoleArnOf(set) ?? _fixed.RoleArn)
            : [_fixed.RoleArn];
        return arns.OfType<string>().Select(arn => arn[(arn.LastIndexOf('/') + 1)..]).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
    }

    public void Dispose() => _subscription?.Dispose();

    private bool TryFind(PermissionSet permissionSet, out Entry entry)
    {
        if (Volatile.Read(ref _current).TryGetEntry(permissionSet, out entry))
        {
            return true;
        }

        var previous = Volatile.Read(ref _previous);
        return previous is not null && previous.TryGetEntry(permissionSet, out entry);
    }

    /// <summary>Takes the reloaded permission sets, roles and tables (validated by the options' validator before this is called).</summary>
    private void Update(TenantIsolationOptions next)
    {
        var snapshot = Build(next);
        lock (_fixed)
        {
            Volatile.Write(ref _previous, _current);
            Volatile.Write(ref _current, snapshot);
        }
    }

    private Snapshot Build(TenantIsolationOptions options)
    {
        var sets = new Dictionary<string, PermissionSet>(StringComparer.Ordinal);
        foreach (var (name, set) in options.PermissionSets)
        {
            sets[name] = PermissionSetConversion.ToPermissionSet(name, set, options.Tables);
        }

        var byRole = new Dictionary<string, PermissionSet>(StringComparer.Ordinal);
        foreach (var (role, setName) in options.Roles)
        {
            if (setName is not null && sets.TryGetValue(setName, out var set))
            {
                byRole[role] = set;
            }
        }

        var builder = new SessionPolicyBuilder(Scope);
        var entries = sets.ToFrozenDictionary(
            s => s.Key,
            s => new Entry(s.Value, Digest(_fixed.Mode, _fixed.RoleArn, options.PermissionSets, builder, s.Value), AbacRoleArn(_fixed.Mode, options.PermissionSets, s.Key)),
            StringComparer.Ordinal);
        return new Snapshot(sets.ToFrozenDictionary(StringComparer.Ordinal), byRole.ToFrozenDictionary(StringComparer.Ordinal), entries);
    }

    private static string? AbacRoleArn(IsolationMode mode, Dictionary<string, PermissionSetOptions> sets, string name)
        => mode == IsolationMode.Abac && sets.TryGetValue(name, out var set) && !string.IsNullOrEmpty(set.RoleArn) ? set.RoleArn : null;

    private static string Digest(IsolationMode mode, string? tenantRoleArn, Dictionary<string, PermissionSetOptions> sets, SessionPolicyBuilder builder, PermissionSet permissionSet)
    {
        string policy;
        var roleArn = tenantRoleArn ?? string.Empty;
        try
        {
            if (mode == IsolationMode.Abac)
            {
                policy = builder.BuildAbac(DigestOrganization, permissionSet).RolePolicy.ToJson();
                roleArn = AbacRoleArn(mode, sets, permissionSet.Name) ?? roleArn;
            }
            else
            {
                policy = builder.Build(DigestOrganization, permissionSet).Json;
            }
        }
        catch (Exception e) when (e is ArgumentException or SessionPolicyTooLargeException)
        {
            // Nothing can be minted for such a set (the issuer fails the same way, and start-up validation refuses it).
            policy = "invalid: " + string.Join(",", SessionPolicyBuilder.Validate(permissionSet));
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{mode}\n{roleArn}\n{policy}"));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }

    /// <summary>What a set is minted with: its digest and, in ABAC mode, its own role.</summary>
    private sealed record Entry(PermissionSet Set, string Digest, string? RoleArn);

    /// <summary>One consistent catalog: the sets, the role mapping and each set's entry.</summary>
    private sealed record Snapshot(FrozenDictionary<string, PermissionSet> Sets, FrozenDictionary<string, PermissionSet> ByRole, FrozenDictionary<string, Entry> Entries)
    {
        /// <summary>The entry of this very set object (a set of another catalog with the same name is not it).</summary>
        public bool TryGetEntry(PermissionSet set, out Entry entry)
            => Entries.TryGetValue(set.Name, out entry!) && ReferenceEquals(entry.Set, set);
    }
}
