using Gateway.Policies.Documents;

namespace LocalAws.Identity;

/// <summary>An IAM role: trust policy (who may assume it), identity policies (what sessions may do), max session length.</summary>
internal sealed record IamRole
{
    public required string Name { get; init; }
    public required string Arn { get; init; }

    /// <summary>Stable <c>AROA…</c> unique id, used in AssumedRoleId.</summary>
    public required string RoleId { get; init; }

    public required PolicyDocument TrustPolicy { get; init; }
    public required IReadOnlyList<PolicyDocument> Policies { get; init; }
    public int MaxSessionDurationSeconds { get; init; } = 3600;
}
