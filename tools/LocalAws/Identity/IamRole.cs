using Gateway.Policies.Documents;

namespace LocalAws.Identity;

/// <summary>
/// An IAM role: trust policy (who may assume it), identity policies (what sessions may do: <see cref="Policies"/>, the
/// managed and attached ones, and <see cref="InlinePolicies"/>, its named inline policies as the source defines them —
/// the role's <see cref="RoleInlinePolicies"/> start with these), max session length.
/// </summary>
internal sealed record IamRole
{
    public required string Name { get; init; }
    public required string Arn { get; init; }

    /// <summary>Stable <c>AROA…</c> unique id, used in AssumedRoleId.</summary>
    public required string RoleId { get; init; }

    public required PolicyDocument TrustPolicy { get; init; }
    public required IReadOnlyList<PolicyDocument> Policies { get; init; }

    /// <summary>Inline policies by name (a CloudFormation role's <c>Policies</c>): IAM's API lists, reads, replaces and deletes them.</summary>
    public IReadOnlyList<InlinePolicy> InlinePolicies { get; init; } = [];
    public int MaxSessionDurationSeconds { get; init; } = 3600;
}
