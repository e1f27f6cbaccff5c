using Gateway.Policies.Documents;

namespace LocalAws.Identity;

/// <summary>An IAM user with one long-term access key and its identity policies.</summary>
internal sealed record IamUser
{
    public required string Name { get; init; }
    public required string Arn { get; init; }
    public required string AccessKeyId { get; init; }
    public required string SecretAccessKey { get; init; }
    public required IReadOnlyList<PolicyDocument> Policies { get; init; }

    public override string ToString() => $"IamUser {{ Name = {Name}, Arn = {Arn}, AccessKeyId = {AccessKeyId}, SecretAccessKey = *** }}";
}
