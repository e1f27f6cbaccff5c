namespace LoadTests.Progress;

/// <summary>Live display of long-running work.</summary>
internal interface IRunProgress
{
    /// <summary>Shows a load phase while <paramref name="work"/> runs (elapsed vs expected time, requests, failures).</summary>
    Task TrackAsync(string title, TimeSpan expected, Func<LiveCounters> poll, Task work);

    /// <summary>Shows a counted job (e.g. seeding) while <paramref name="work"/> runs: <paramref name="done"/> of <paramref name="total"/>.</summary>
    Task TrackCountAsync(string title, long total, Func<long> done, Task work);

    /// <summary>A one-line message.</summary>
    void Note(string message);
}
