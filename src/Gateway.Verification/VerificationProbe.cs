namespace Gateway.Verification;

/// <summary>
/// One call a canary session makes: <see cref="Operation"/> on <see cref="Table"/> (or its <see cref="Index"/>) against
/// the partition(s) of <see cref="Targets"/>, expected to be <see cref="Expected"/>.
/// </summary>
public sealed record VerificationProbe
{
    public required string Name { get; init; }

    public required ProbeOperation Operation { get; init; }

    public required string Table { get; init; }

    public string? Index { get; init; }

    /// <summary>The organizations whose partitions the request touches (two for the mixed batch/transaction probes).</summary>
    public required IReadOnlyList<string> Targets { get; init; }

    public required ProbeExpectation Expected { get; init; }
}
