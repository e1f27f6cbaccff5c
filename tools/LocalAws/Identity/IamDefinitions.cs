namespace LocalAws.Identity;

/// <summary>What an <see cref="IIamSource"/> yields: IAM users (with their access keys) and roles, each with its policies.</summary>
internal sealed record IamDefinitions
{
    public required IReadOnlyList<IamUser> Users { get; init; }
    public required IReadOnlyList<IamRole> Roles { get; init; }
}
