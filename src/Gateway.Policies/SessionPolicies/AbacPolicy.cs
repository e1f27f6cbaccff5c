using Gateway.Policies.Documents;

namespace Gateway.Policies.SessionPolicies;

/// <summary>
/// ABAC variant: the role identity policy (conditions on <c>${aws:PrincipalTag/organizationId}</c>) to attach to the role once,
/// and the session tags to send with each AssumeRole.
/// </summary>
public sealed record AbacPolicy(PolicyDocument RolePolicy, IReadOnlyDictionary<string, string> SessionTags);
