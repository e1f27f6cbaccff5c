namespace LocalAws.Sts;

/// <summary>
/// An AssumeRole call whose parameters passed STS's syntactic validation (<see cref="AssumeRoleRequestParser"/>): lengths,
/// character sets, duration range, tag limits. Whether the role exists, trusts the caller and allows the duration is the
/// <see cref="AssumeRoleSessionIssuer"/>'s business.
/// </summary>
internal sealed record AssumeRoleRequest
{
    public const int DefaultDurationSeconds = 3600;

    public required string RoleArn { get; init; }
    public required string RoleSessionName { get; init; }

    /// <summary>The inline session policy text, exactly as sent (null when none).</summary>
    public string? Policy { get; init; }

    public int DurationSeconds { get; init; } = DefaultDurationSeconds;
    public string? SourceIdentity { get; init; }
    public string? ExternalId { get; init; }

    /// <summary>Session tags in request order; keys unique case-insensitively.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; init; } = [];

    /// <summary>Keys among <see cref="Tags"/> to carry into a chained session.</summary>
    public IReadOnlyList<string> TransitiveTagKeys { get; init; } = [];
}
