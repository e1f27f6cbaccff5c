using LoadTests.Engine;

namespace LoadTests.Tests.Engine;

public sealed class InjectSimulationTests
{
    [Theory]
    [InlineData(10, 10, 1, 10)]
    [InlineData(100, 100, 2.5, 250)]
    [InlineData(0, 100, 1, 50)]
    [InlineData(100, 0, 1, 50)]
    [InlineData(50, 150, 2, 200)]
    public void OffsetOf_CountWithinDuration_EqualsRateIntegral(double from, double to, double seconds, long expected)
    {
        var simulation = new InjectSimulation(from, to, TimeSpan.FromSeconds(seconds));

        var count = 0L;
        while (simulation.OffsetOf(count) is not null && count < 100_000)
        {
            count++;
        }

        Assert.Equal(expected, count);
        Assert.Equal(expected, simulation.ExpectedIterations());
    }

    [Fact]
    public void OffsetOf_ConstantRate_IsEvenlySpaced()
    {
        var simulation = new InjectSimulation(4, 4, TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.Zero, simulation.OffsetOf(0));
        Assert.Equal(TimeSpan.FromMilliseconds(250), simulation.OffsetOf(1));
        Assert.Equal(TimeSpan.FromMilliseconds(750), simulation.OffsetOf(3));
        Assert.Null(simulation.OffsetOf(4));
    }

    [Fact]
    public void OffsetOf_RampingUp_IsMonotonicAndDenserAtTheEnd()
    {
        var simulation = new InjectSimulation(10, 200, TimeSpan.FromSeconds(1));
        var offsets = Enumerable.Range(0, 105).Select(i => simulation.OffsetOf(i)!.Value).ToList();

        Assert.True(offsets.Zip(offsets.Skip(1)).All(p => p.First < p.Second));
        Assert.True(offsets[1] - offsets[0] > offsets[^1] - offsets[^2]);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(-1, 5)]
    [InlineData(double.NaN, 5)]
    public void Constructor_InvalidRates_Throws(double from, double to) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new InjectSimulation(from, to, TimeSpan.FromSeconds(1)));

    [Fact]
    public void Constructor_ValidRates_Constructs() =>
        Assert.Equal(5, new InjectSimulation(0, 5, TimeSpan.FromSeconds(1)).ToRate);
}
