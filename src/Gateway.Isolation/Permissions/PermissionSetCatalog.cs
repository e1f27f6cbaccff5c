using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Gateway.Isolation.Configuration;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Isolation.Permissions;

/// <summary>The configured permission sets and the role → permission set mapping, as Gateway.Policies models.</summary>
public sealed class PermissionSetCatalog
{
    private readonly FrozenDictionary<string, PermissionSet> _sets;
    private readonly FrozenDictionary<string, PermissionSet> _byRole;
    private readonly FrozenDictionary<string, string> _digests;

    /// <summary>Stands in for the organization in the policy a digest is taken of (the organization is in the cache key already).</summary>
    private static readonly OrganizationId DigestOrganization = OrganizationId.Parse("organization");

    private readonly TenantIsolationOptions _options;

    public PermissionSetCatalog(TenantIsolationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
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
        var builder = new SessionPolicyBuilder(Scope);
        _digests = _sets.ToFrozenDictionary(s => s.Key, s => Digest(options, builder, s.Value), StringComparer.Ordinal);
    }

    public AwsScope Scope { get; }

    public IReadOnlyDictionary<string, PermissionSet> Sets => _sets;

    public bool TryGetByName(string name, out PermissionSet permissionSet) => _sets.TryGetValue(name, out permissionSet!);

    public bool TryGetForRole(string role, out PermissionSet permissionSet) => _byRole.TryGetValue(role, out permissionSet!);

    /// <summary>
    /// 16 hex characters of SHA-256 over what the credentials of <paramref name="permissionSet"/> are minted with: the
    /// isolation mode, the role assumed, and the session policy (ABAC: the role policy) with the organization as a
    /// placeholder. Part of every credential cache key (in process and in Redis), so credentials minted under another
    /// definition of a permission set — by an instance with other settings, or before a rollout — are never served.
    /// </summary>
    public string PolicyDigest(PermissionSet permissionSet)
    {
        ArgumentNullException.ThrowIfNull(permissionSet);
        return _digests.TryGetValue(permissionSet.Name, out var digest) && ReferenceEquals(_sets[permissionSet.Name], permissionSet)
            ? digest
            : Digest(_options, new SessionPolicyBuilder(Scope), permissionSet);
    }

    private static string Digest(TenantIsolationOptions options, SessionPolicyBuilder builder, PermissionSet permissionSet)
    {
        string policy;
        var roleArn = options.RoleArn ?? string.Empty;
        try
        {
            if (options.Mode == IsolationMode.Abac)
            {
                policy = builder.BuildAbac(DigestOrganization, permissionSet).RolePolicy.ToJson();
                if (options.PermissionSets.TryGetValue(permissionSet.Name, out var set) && !string.IsNullOrEmpty(set.RoleArn))
                {
                    roleArn = set.RoleArn;
                }
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

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{options.Mode}\n{roleArn}\n{policy}"));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }
}
