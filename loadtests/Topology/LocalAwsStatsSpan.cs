using Gateway.Testing;

namespace LoadTests.Topology;

/// <summary>Two reads of <c>GET /_localaws/stats</c> around a phase (<see cref="LocalAwsControl.DuringAsync"/>); either is null when LocalAws did not answer it.</summary>
internal sealed record LocalAwsStatsSpan(LocalAwsStats? Before, LocalAwsStats? After)
{
    /// <summary>How much <paramref name="counter"/> grew during the phase; null when either read is missing.</summary>
    public long? Delta(Func<LocalAwsStats, long> counter)
    {
        ArgumentNullException.ThrowIfNull(counter);
        return Before is { } before && After is { } after ? counter(after) - counter(before) : null;
    }
}
