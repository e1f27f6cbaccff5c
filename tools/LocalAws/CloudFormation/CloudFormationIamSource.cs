using Gateway.Policies;
using Gateway.Policies.Documents;
using LocalAws.Identity;

namespace LocalAws.CloudFormation;

/// <summary>
/// IAM from the deployment's CloudFormation template: its roles (trust, inline and managed policies, max session) and
/// its policies' attachments, applied to the users of <see cref="LocalUsers"/> (the config file: a template creates no
/// users with access keys). Then the operator steps the template documents for existing principals
/// (<see cref="Attachments"/>): the policy in output <see cref="PolicyOutput"/> is attached to the principal in output
/// <see cref="PrincipalOutput"/> (LocalAws's <c>gateway</c> user, passed as the <c>GatewayPrincipalArn</c> parameter),
/// and, when the template has them (<c>OperatorPrincipalArn</c> set), the policy in output
/// <see cref="OperatorPolicyOutput"/> to the principal in <see cref="OperatorPrincipalOutput"/> (LocalAws's
/// <c>operator</c> user, the identity of <c>Gateway.dll revoke</c>). A principal or managed policy LocalAws cannot find
/// is a start-up error.
/// </summary>
internal sealed class CloudFormationIamSource : IIamSource
{
    public const string PolicyOutput = "GatewayPolicyArn";
    public const string PrincipalOutput = "GatewayPrincipalArn";
    public const string OperatorPolicyOutput = "TenantRevocationPolicyArn";
    public const string OperatorPrincipalOutput = "OperatorPrincipalArn";

    /// <summary>(policy output, principal output, the parameter naming the principal): attached when both outputs exist.</summary>
    public static readonly IReadOnlyList<(string PolicyOutput, string PrincipalOutput, string Parameter)> Attachments =
    [
        (PolicyOutput, PrincipalOutput, "GatewayPrincipalArn"),
        (OperatorPolicyOutput, OperatorPrincipalOutput, "OperatorPrincipalArn"),
    ];

    public CloudFormationIamSource(CloudFormationStack stack, IIamSource localUsers)
    {
        Stack = stack;
        LocalUsers = localUsers;
    }

    public CloudFormationStack Stack { get; }

    public IIamSource LocalUsers { get; }

    public string Description => $"{Stack.Path} (users from {LocalUsers.Description})";

    public IamDefinitions Load(AwsScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var local = LocalUsers.Load(scope);
        var errors = new List<string>();
        var managed = Stack.Policies.Where(p => p.Arn is not null).ToDictionary(p => p.Arn!, StringComparer.Ordinal);

        var userPolicies = local.Users.ToDictionary(u => u.Arn, u => new List<PolicyDocument>(u.Policies), StringComparer.Ordinal);
        var roles = new List<IamRole>();
        var rolePolicies = new Dictionary<string, List<PolicyDocument>>(StringComparer.Ordinal);
        var roleManaged = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var role in Stack.Roles)
        {
            var where = $"resource {role.LogicalId} (AWS::IAM::Role)";
            var policies = new List<PolicyDocument>();
            var inlinePolicies = new List<InlinePolicy>();
            foreach (var (name, json) in role.InlinePolicies)
            {
                var parsed = new List<PolicyDocument>();
                Parse(json, $"{where} Policies {name}", errors, parsed);
                if (parsed.Count == 1)
                {
                    inlinePolicies.Add(new InlinePolicy(name, json, parsed[0]));
                }
            }

            foreach (var arn in role.ManagedPolicyArns)
            {
                if (managed.TryGetValue(arn, out var policy))
                {
                    Parse(policy.Document, $"{where} ManagedPolicyArns {arn}", errors, policies);
                }
                else
                {
                    errors.Add($"{where}: managed policy {arn} is not defined in the template (LocalAws has no AWS managed policies).");
                }
            }

            rolePolicies[role.Arn] = policies;
            roleManaged[role.Arn] = new HashSet<string>(role.ManagedPolicyArns, StringComparer.Ordinal);
            var trust = new List<PolicyDocument>();
            Parse(role.TrustPolicy, $"{where} AssumeRolePolicyDocument", errors, trust);
            if (trust.Count == 1)
            {
                roles.Add(new IamRole
                {
                    Name = role.Name,
                    Arn = role.Arn,
                    RoleId = IamDirectory.RoleId(scope.AccountId, role.Name),
                    TrustPolicy = trust[0],
                    Policies = policies,
                    InlinePolicies = inlinePolicies,
                    MaxSessionDurationSeconds = role.MaxSessionDurationSeconds,
                });
            }
        }

        foreach (var policy in Stack.Policies)
        {
            var where = $"resource {policy.LogicalId}";
            foreach (var roleName in policy.Roles)
            {
                var role = Stack.Roles.FirstOrDefault(r => r.Name == roleName);
                if (role is null)
                {
                    errors.Add($"{where}: Roles names {roleName}, which the template does not create.");
                }
                else if (policy.Arn is null || roleManaged[role.Arn].Add(policy.Arn))
                {
                    Parse(policy.Document, where, errors, rolePolicies[role.Arn]);
                }
            }

            foreach (var userName in policy.Users)
            {
                var user = local.Users.FirstOrDefault(u => u.Name == userName);
                if (user is null)
                {
                    errors.Add($"{where}: Users names {userName}, which is not a LocalAws user ({LocalUsers.Description}).");
                }
                else
                {
                    Parse(policy.Document, where, errors, userPolicies[user.Arn]);
                }
            }
        }

        foreach (var attachment in Attachments)
        {
            AttachOutputPolicy(attachment, managed, local, userPolicies, rolePolicies, roleManaged, errors);
        }

        LocalAwsConfigErrors(errors);
        return new IamDefinitions
        {
            Users = [.. local.Users.Select(u => u with { Policies = userPolicies[u.Arn] })],
            Roles = [.. local.Roles, .. roles],
        };
    }

    private void AttachOutputPolicy(
        (string PolicyOutput, string PrincipalOutput, string Parameter) attachment,
        Dictionary<string, StackPolicy> managed,
        IamDefinitions local,
        Dictionary<string, List<PolicyDocument>> userPolicies,
        Dictionary<string, List<PolicyDocument>> rolePolicies,
        Dictionary<string, HashSet<string>> roleManaged,
        List<string> errors)
    {
        if (!Stack.Outputs.TryGetValue(attachment.PolicyOutput, out var policyArn) || !Stack.Outputs.TryGetValue(attachment.PrincipalOutput, out var principalArn))
        {
            return;
        }

        var where = $"outputs {attachment.PolicyOutput} -> {attachment.PrincipalOutput}";
        if (!managed.TryGetValue(policyArn, out var policy))
        {
            errors.Add($"{where}: {policyArn} is not a managed policy of the template.");
        }
        else if (userPolicies.TryGetValue(principalArn, out var policies))
        {
            Parse(policy.Document, where, errors, policies);
        }
        else if (rolePolicies.TryGetValue(principalArn, out var role))
        {
            if (roleManaged[principalArn].Add(policyArn))
            {
                Parse(policy.Document, where, errors, role);
            }
        }
        else
        {
            errors.Add($"{where}: {principalArn} is neither a LocalAws user ({string.Join(", ", local.Users.Select(u => u.Arn))}) nor a role of the template; pass --parameter {attachment.Parameter}=ARN of one.");
        }
    }

    private void LocalAwsConfigErrors(List<string> errors)
    {
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"CloudFormation template {Stack.Path}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors));
        }
    }

    private static void Parse(string json, string where, List<string> errors, List<PolicyDocument> into)
    {
        if (PolicyDocument.TryParse(json, out var document, out var error))
        {
            into.Add(document);
        }
        else
        {
            errors.Add($"{where}: {error}");
        }
    }
}
