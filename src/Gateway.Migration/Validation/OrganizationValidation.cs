using System.Globalization;

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

    /// <summary>Legacy items with no target item of the same key.</summary>
    public int MissingInTarget { get; init; }

    /// <summary>Target items with no legacy item of the same key.</summary>
    public int OnlyInTarget { get; init; }

    /// <summary>Keys on both sides whose content differs.</summary>
    public int Changed { get; init; }

    public bool ContentMatches => LegacyItems == TargetItems && LegacyHash == TargetHash;

    /// <summary>Why the organization failed, by cause (content: missing / only in the target / different; isolation: the first failing check); empty when it passed.</summary>
    public string Cause
    {
        get
        {
            var causes = new List<string>();
            if (!ContentMatches)
            {
                var parts = new List<string>();
                if (MissingInTarget > 0)
                {
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"{MissingInTarget} missing in the target"));
                }

                if (OnlyInTarget > 0)
                {
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"{OnlyInTarget} only in the target"));
                }

                if (Changed > 0)
                {
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"{Changed} with different content"));
                }

                causes.Add(string.Create(CultureInfo.InvariantCulture,
                    $"content mismatch: legacy {LegacyItems} items, target {TargetItems}{(parts.Count > 0 ? ": " + string.Join(", ", parts) : string.Empty)}{(DifferingKeys.Count > 0 ? $", e.g. {DifferingKeys[0]}" : string.Empty)}"));
            }

            if (Isolation is not { Passed: true })
            {
                var failed = Isolation?.Checks.FirstOrDefault(c => !c.Passed);
                causes.Add(failed is null ? "isolation check not run" : $"isolation check failed: {failed.Name}: expected {failed.Expected}, observed {failed.Observed}");
            }

            return string.Join("; ", causes);
        }
    }

    public bool Passed => ContentMatches && Isolation is { Passed: true };
}
