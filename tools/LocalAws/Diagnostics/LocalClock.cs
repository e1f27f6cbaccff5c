namespace LocalAws.Diagnostics;

/// <summary>
/// The "credential clock": wall-clock time plus an offset that tests move forward with <c>POST /_localaws/clock</c>.
/// It decides session issue/expiry and dev-token times. Signature time windows and the HTTP <c>Date</c> header stay
/// on wall-clock time, because real SDK clients sign with wall-clock time.
/// </summary>
internal sealed class LocalClock(TimeProvider wallClock) : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => wallClock.GetUtcNow() + Offset;

    public TimeSpan Advance(TimeSpan by) => TimeSpan.FromTicks(Interlocked.Add(ref _offsetTicks, by.Ticks));

    public void Reset() => Interlocked.Exchange(ref _offsetTicks, 0);
}
