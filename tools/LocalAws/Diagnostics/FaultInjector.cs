namespace LocalAws.Diagnostics;

/// <summary>The current STS fault (mode, latency, optional end time). Thread-safe; swapped as a whole.</summary>
internal sealed class FaultInjector(TimeProvider wallClock)
{
    private volatile StsFault _current = StsFault.None;

    public StsFault Current
    {
        get
        {
            var fault = _current;
            return fault.Until is { } until && wallClock.GetUtcNow() >= until ? StsFault.None : fault;
        }
    }

    public void Set(StsFaultMode mode, TimeSpan latency, TimeSpan? duration)
        => _current = new StsFault(mode, latency, duration is { } d ? wallClock.GetUtcNow() + d : null);

    public void Clear() => _current = StsFault.None;

    public static bool TryParseMode(string? value, out StsFaultMode mode)
    {
        mode = value?.ToUpperInvariant() switch
        {
            "NONE" or "" or null => StsFaultMode.None,
            "THROTTLE" or "THROTTLING" => StsFaultMode.Throttle,
            "ERROR" or "INTERNALFAILURE" => StsFaultMode.Error,
            "UNAVAILABLE" or "SERVICEUNAVAILABLE" => StsFaultMode.Unavailable,
            "LATENCY" => StsFaultMode.Latency,
            _ => (StsFaultMode)(-1),
        };
        return Enum.IsDefined(mode);
    }
}

internal sealed record StsFault(StsFaultMode Mode, TimeSpan Latency, DateTimeOffset? Until)
{
    public static StsFault None { get; } = new(StsFaultMode.None, TimeSpan.Zero, null);
}
