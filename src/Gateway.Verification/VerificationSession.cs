namespace Gateway.Verification;

/// <summary>One canary session: AssumeRole for <see cref="Organization"/> with <see cref="PermissionSet"/>, then its probes in order.</summary>
public sealed record VerificationSession
{
    public required string Organization { get; init; }

    public required string OtherOrganization { get; init; }

    public required string PermissionSet { get; init; }

    /// <summary>The organization's shard count (1 = unsharded): the session policy allows its shard keys.</summary>
    public int Shards { get; init; } = 1;

    public required IReadOnlyList<VerificationProbe> Probes { get; init; }
}
