using System.Globalization;

namespace LoadTests.Engine;

/// <summary>Open-model injection at a constant (<c>FromRate == ToRate</c>) or linearly ramping rate, per second.</summary>
internal sealed record InjectSimulation : LoadSimulation
{
    public InjectSimulation(double fromRate, double toRate, TimeSpan during)
        : base(during)
    {
        if (!double.IsFinite(fromRate) || !double.IsFinite(toRate) || fromRate < 0 || toRate < 0 || fromRate + toRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(fromRate), "Injection rates must be finite, non-negative and not both zero.");
        }

        if (during <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(during), "Duration must be positive.");
        }

        FromRate = fromRate;
        ToRate = toRate;
    }

    public double FromRate { get; }

    public double ToRate { get; }

    public override LoadSimulation WarmUp(TimeSpan during) => new InjectSimulation(FromRate, FromRate, during);

    public override string Describe() => FromRate.Equals(ToRate)
        ? string.Create(CultureInfo.InvariantCulture, $"{Shape()} for {During.TotalSeconds:0.##} s")
        : string.Create(CultureInfo.InvariantCulture, $"{Shape()} over {During.TotalSeconds:0.##} s");

    protected override string Shape() => FromRate.Equals(ToRate)
        ? string.Create(CultureInfo.InvariantCulture, $"inject {FromRate:0.##}/s")
        : string.Create(CultureInfo.InvariantCulture, $"ramping inject {FromRate:0.##}/s -> {ToRate:0.##}/s");

    /// <summary>
    /// Intended start of iteration <paramref name="index"/> (0-based) as an offset from the start, or <c>null</c> when it falls
    /// at or past <see cref="LoadSimulation.During"/>. Iteration i starts when the cumulative rate integral reaches i.
    /// </summary>
    public TimeSpan? OffsetOf(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var total = During.TotalSeconds;
        var slope = (ToRate - FromRate) / total;
        double seconds;
        if (Math.Abs(slope) < 1e-12)
        {
            seconds = index / FromRate;
        }
        else
        {
            // r0 t + slope t^2 / 2 = index  =>  t = (-r0 + sqrt(r0^2 + 2 slope index)) / slope
            var discriminant = (FromRate * FromRate) + (2 * slope * index);
            if (discriminant < 0)
            {
                return null; // a falling ramp that never reaches this many iterations
            }

            seconds = (-FromRate + Math.Sqrt(discriminant)) / slope;
        }

        return seconds >= total || double.IsNaN(seconds) ? null : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>How many iterations the schedule starts in total (the rate integral over the duration, rounded up).</summary>
    public long ExpectedIterations() =>
        (long)Math.Ceiling((FromRate + ToRate) / 2 * During.TotalSeconds - 1e-9);
}
