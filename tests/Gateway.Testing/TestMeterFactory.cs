using System.Diagnostics.Metrics;

namespace Gateway.Testing;

/// <summary>An <see cref="IMeterFactory"/> that owns the meters it creates, for tests of instrumented types.</summary>
public sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    /// <summary>The meters created so far (for a <c>MetricCollector</c> bound to this factory's meter, not a global name).</summary>
    public IReadOnlyList<Meter> Meters => _meters;

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        _meters.Add(meter);
        return meter;
    }

    public bool Owns(Meter meter) => _meters.Contains(meter);

    public void Dispose() => _meters.ForEach(m => m.Dispose());
}
