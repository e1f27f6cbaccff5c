using System.Globalization;

namespace LoadTests.Engine;

/// <summary>Closed model: a fixed number of copies, each running iterations back to back.</summary>
internal sealed record KeepConstantSimulation : LoadSimulation
{
    public KeepConstantSimulation(int copies, TimeSpan during)
        : base(during)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        if (during <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(during), "Duration must be positive.");
        }

        Copies = copies;
    }

    public int Copies { get; }

    public override LoadSimulation WarmUp(TimeSpan during) => new KeepConstantSimulation(Copies, during);

    public override string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"{Shape()} for {During.TotalSeconds:0.##} s");

    protected override string Shape() => string.Create(CultureInfo.InvariantCulture, $"keep constant {Copies} copies");
}
