namespace Gateway.Policies.SessionPolicies;

/// <summary>A named set of table permissions (e.g. "read-write", "read-only") that a membership role maps to.</summary>
public sealed record PermissionSet
{
    public required string Name { get; init; }
    public required IReadOnlyList<TableAccess> Tables { get; init; }
}
