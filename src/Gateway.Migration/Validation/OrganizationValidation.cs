namespace Gateway.Migration.Validation;

/// <summary>One organization's validation: counts and hashes on both sides, the differing target keys, the isolation check.</summary>
internal sealed record OrganizationValidation
{
    public required string OrganizationId { get; init; }

    public required long LegacyItems { get; init; }

    public required long TargetItems { get; init; }

    public required string LegacyHash { get; init; }

    public required string TargetHash { get; init; }

    /// <summary>Target keys missing on one side or with different content (first 10).</summary>
    public required IReadOnlyList<string> DifferingKeys { get; init; }

    public required IsolationResult? Isolation { get; init; }

    public bool ContentMatches => LegacyItems == TargetItems && LegacyHash == TargetHash;

    public bool Passed => ContentMatches && Isolation is { Passed: true };
}
