namespace LocalAws.CloudFormation;

/// <summary>An <c>AWS::IAM::Role</c> of the template, resolved: policies as IAM JSON, managed policies by ARN.</summary>
internal sealed record StackRole
{
    public required string LogicalId { get; init; }
    public required string Name { get; init; }
    public required string Arn { get; init; }
    public required string TrustPolicy { get; init; }
    /// <summary>The role's <c>Policies</c>: inline policies (<c>PolicyName</c>, document as IAM JSON), readable with IAM
    /// <c>ListRolePolicies</c>/<c>GetRolePolicy</c> as in AWS.</summary>
    public required IReadOnlyList<(string Name, string Document)> InlinePolicies { get; init; }
    public required IReadOnlyList<string> ManagedPolicyArns { get; init; }
    public int MaxSessionDurationSeconds { get; init; } = 3600;
}
