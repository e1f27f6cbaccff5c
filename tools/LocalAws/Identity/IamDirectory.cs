using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Gateway.Policies;
using Gateway.Policies.Evaluation;

namespace LocalAws.Identity;

/// <summary>
/// The IAM users and roles the STS and DynamoDB endpoints query: an access key's principal (an IAM user; sessions live in
/// <see cref="CredentialStore"/>), a role by ARN with its trust and identity policies. Built once from an
/// <see cref="IIamSource"/>; the users, roles and their source-defined policies never change afterwards — only each
/// role's <see cref="RoleInlinePolicies"/> (IAM <c>PutRolePolicy</c>/<c>DeleteRolePolicy</c>) does. Rejects, at construction, definitions no source may produce:
/// a malformed access key, one access key for two users, two users or two roles with one ARN.
/// </summary>
internal sealed class IamDirectory
{
    private readonly Dictionary<string, Principal> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IamRole> _roles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RoleInlinePolicies> _inlinePolicies = new(StringComparer.Ordinal);

    public IamDirectory(AwsScope scope, IamDefinitions definitions)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(definitions);
        var problems = Problems(definitions);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Invalid IAM definitions: " + string.Join(" ", problems));
        }

        Scope = scope;
        foreach (var user in definitions.Users)
        {
            _users[user.AccessKeyId] = UserPrincipal(user, scope.AccountId);
        }

        foreach (var role in definitions.Roles)
        {
            _roles[role.Arn] = role;
            _inlinePolicies[role.Arn] = new RoleInlinePolicies(role.InlinePolicies);
        }
    }

    public AwsScope Scope { get; }

    public string AccountId => Scope.AccountId;

    public IReadOnlyCollection<IamRole> Roles => _roles.Values;

    /// <summary>Reads <paramref name="source"/> and builds the directory; errors name the source.</summary>
    public static IamDirectory Load(IIamSource source, AwsScope scope)
    {
        ArgumentNullException.ThrowIfNull(source);
        var definitions = source.Load(scope);
        try
        {
            return new IamDirectory(scope, definitions);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"{source.Description}: {e.Message}", e);
        }
    }

    /// <summary>The IAM user whose long-term access key this is (not a session key).</summary>
    public bool TryFindUser(string accessKeyId, [NotNullWhen(true)] out Principal? principal)
        => _users.TryGetValue(accessKeyId, out principal);

    /// <summary>The role with this exact ARN (trust policy, identity policies, max session duration).</summary>
    public bool TryFindRole(string roleArn, [NotNullWhen(true)] out IamRole? role)
        => _roles.TryGetValue(roleArn, out role);

    /// <summary>The role with this name in the directory's account.</summary>
    public bool TryFindRoleByName(string roleName, [NotNullWhen(true)] out IamRole? role)
    {
        role = _roles.Values.FirstOrDefault(r => string.Equals(r.Name, roleName, StringComparison.Ordinal));
        return role is not null;
    }

    /// <summary>The inline policies of <paramref name="role"/>: the source's (the template's <c>Policies</c>) and those put
    /// through IAM's API (shared by all its sessions).</summary>
    public RoleInlinePolicies InlinePolicies(IamRole role)
    {
        ArgumentNullException.ThrowIfNull(role);
        return _inlinePolicies[role.Arn];
    }

    /// <summary>Stable <c>AROA…</c> id for a role: the same name in the same account gets the same id on every start.</summary>
    public static string RoleId(string accountId, string roleName)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(accountId + "/" + roleName));
        var builder = new StringBuilder(21).Append("AROA");
        for (var i = 0; i < 17; i++)
        {
            builder.Append(alphabet[hash[i] % alphabet.Length]);
        }

        return builder.ToString();
    }

    /// <summary>Every problem spanning several definitions, one sentence each (empty when there is none).</summary>
    public static IReadOnlyList<string> Problems(IamDefinitions definitions)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var problems = new List<string>();
        foreach (var user in definitions.Users.Where(u => u.AccessKeyId.Length < 16 || !u.AccessKeyId.StartsWith("AKIA", StringComparison.Ordinal)))
        {
            problems.Add($"the access key of user {user.Name} must start with AKIA and have at least 16 characters.");
        }

        foreach (var duplicate in definitions.Users.GroupBy(u => u.AccessKeyId, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"access key {duplicate.Key} is used by more than one user ({string.Join(", ", duplicate.Select(u => u.Name))}).");
        }

        foreach (var duplicate in definitions.Users.GroupBy(u => u.Arn, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"user {duplicate.Key} is defined {duplicate.Count()} times.");
        }

        foreach (var duplicate in definitions.Roles.GroupBy(r => r.Arn, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"role {duplicate.Key} is defined {duplicate.Count()} times.");
        }

        return problems;
    }

    private static Principal UserPrincipal(IamUser user, string accountId) => new()
    {
        Arn = user.Arn,
        UserId = "AIDA" + user.AccessKeyId[4..],
        AccessKeyId = user.AccessKeyId,
        SecretAccessKey = user.SecretAccessKey,
        IdentityPolicies = user.Policies,
        Context = new RequestContext(new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["aws:PrincipalArn"] = [user.Arn],
            ["aws:username"] = [user.Name],
            ["aws:userid"] = ["AIDA" + user.AccessKeyId[4..]],
            ["aws:PrincipalAccount"] = [accountId],
            ["aws:PrincipalType"] = ["User"],
        }),
    };
}
