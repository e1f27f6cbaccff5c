using System.Collections.Frozen;
using Gateway.Isolation.Configuration;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Isolation.Permissions;

/// <summary>The configured permission sets and the role → permission set mapping, as Gateway.Policies models.</summary>
public sealed class PermissionSetCatalog
{
    private readonly FrozenDictionary<string, PermissionSet> _sets;
    private readonly FrozenDictionary<string, PermissionSet> _byRole;

    public PermissionSetCatalog(TenantIsolationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sets = new Dictionary<string, PermissionSet>(StringComparer.Ordinal);
        foreach (var (name, set) in options.PermissionSets)
        {
            sets[name] = PermissionSetConversion.ToPermissionSet(name, set, options.Tables);
        }

        _sets = sets.ToFrozenDictionary(StringComparer.Ordinal);
        var byRole = new Dictionary<string, PermissionSet>(StringComparer.Ordinal);
        foreach (var (role, setName) in options.Roles)
        {
            if (setName is not null && _sets.TryGetValue(setName, out var set))
            {
                byRole[role] = set;
            }
        }

        _byRole = byRole.ToFrozenDictionary(StringComparer.Ordinal);
        Scope = PermissionSetConversion.CreateScope(options);
    }

    public AwsScope Scope { get; }

    public IReadOnlyDictionary<string, PermissionSet> Sets => _sets;

    public bool TryGetByName(string name, out PermissionSet permissionSet) => _sets.TryGetValue(name, out permissionSet!);

    public bool TryGetForRole(string role, out PermissionSet permissionSet) => _byRole.TryGetValue(role, out permissionSet!);
}
