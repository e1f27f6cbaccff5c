using LocalAws.Diagnostics;

namespace LocalAws.Tests.Diagnostics;

/// <summary>AssumeRole calls per whole UTC second (<c>assumeRoleCallsBySecond</c>), which loadtests noisy-neighbour checks the budget with.</summary>
public sealed class LocalAwsStatsTests
{
    [Fact]
    public void AssumeRoleCallsBySecond_CountsEachCallInTheUtcSecondItArrived()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000).AddMilliseconds(900));
        var stats = new LocalAwsStats(clock);
        stats.AssumeRoleCalled();
        stats.AssumeRoleCalled();
        clock.Now = clock.Now.AddMilliseconds(150); // next second
        stats.AssumeRoleCalled();
        clock.Now = clock.Now.AddSeconds(2);
        stats.AssumeRoleCalled();

        var snapshot = stats.Snapshot();

        Assert.Equal(4, snapshot.AssumeRoleCalls);
        Assert.Equal(
            new Dictionary<string, long> { ["1800000000"] = 2, ["1800000001"] = 1, ["1800000003"] = 1 },
            snapshot.AssumeRoleCallsBySecond);
    }

    [Fact]
    public void AssumeRoleCallsBySecond_ForgetsSecondsOlderThanTheWindowAndReusesTheirSlots()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var stats = new LocalAwsStats(clock);
        stats.AssumeRoleCalled();
        clock.Now = clock.Now.AddSeconds(LocalAwsStats.SecondsKept); // same slot, a window later
        stats.AssumeRoleCalled();

        var snapshot = stats.Snapshot();

        Assert.Equal(2, snapshot.AssumeRoleCalls);
        var only = Assert.Single(snapshot.AssumeRoleCallsBySecond);
        Assert.Equal((1_800_000_000 + LocalAwsStats.SecondsKept).ToString(System.Globalization.CultureInfo.InvariantCulture), only.Key);
        Assert.Equal(1, only.Value);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
