namespace LoadTests.Progress;

/// <summary>Shows a running phase while <paramref name="work"/> runs, polling live counters; returns when the work ends.</summary>
internal interface IRunProgress
{
    Task TrackAsync(string title, TimeSpan expected, Func<LiveCounters> poll, Task work);
}
