namespace LocalAws.CloudFormation;

/// <summary>An <c>AWS::IAM::Role</c> of the template, resolved: policies as IAM JSON, managed policies by ARN.</summary>
internal sealed record StackRole
{
    public required string LogicalId { get; init; }
    public required string Name { get; init; }
    public required string Arn { get; init; }
    public required string TrustPolicy { get; init; }
    public required IReadOnlyList<string> InlinePolicies { get; init; }
    public required IReadOnlyList<string> ManagedPolicyArns { get; init; }
    public int MaxSessionDurationSeconds { get; init; } = 3600;
}
