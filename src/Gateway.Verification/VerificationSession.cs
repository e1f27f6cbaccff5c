namespace Gateway.Verification;

/// <summary>One canary session: AssumeRole for <see cref="Organization"/> with <see cref="PermissionSet"/>, then its probes in order.</summary>
public sealed record VerificationSession
{
    public required string Organization { get; init; }

    public required string OtherOrganization { get; init; }

    public required string PermissionSet { get; init; }

    public required IReadOnlyList<VerificationProbe> Probes { get; init; }
}
