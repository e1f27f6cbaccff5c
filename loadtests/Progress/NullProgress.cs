namespace LoadTests.Progress;

/// <summary>No display (tests).</summary>
internal sealed class NullProgress : IRunProgress
{
    public static NullProgress Instance { get; } = new();

    public Task TrackAsync(string title, TimeSpan expected, Func<LiveCounters> poll, Task work) => work;

    public Task TrackCountAsync(string title, long total, Func<long> done, Task work) => work;

    public void Note(string message)
    {
    }
}
