namespace LocalAws.CloudFormation;

/// <summary>
/// An <c>AWS::IAM::ManagedPolicy</c> (with <see cref="Arn"/>) or <c>AWS::IAM::Policy</c> (inline, no ARN) of the template,
/// resolved, with the role and user names its <c>Roles</c>/<c>Users</c> properties attach it to.
/// </summary>
internal sealed record StackPolicy
{
    public required string LogicalId { get; init; }
    public string? Arn { get; init; }
    public required string Document { get; init; }
    public required IReadOnlyList<string> Roles { get; init; }
    public required IReadOnlyList<string> Users { get; init; }
}
