using System.Diagnostics;

namespace Gateway.Isolation.Tests;

/// <summary>Waits (real time, bounded) for work running on other threads to reach a state.</summary>
internal static class Eventually
{
    public static async Task UntilAsync(Func<bool> condition)
    {
        var elapsed = Stopwatch.StartNew();
        while (!condition() && elapsed.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(5);
        }

        Assert.True(condition(), "condition not reached within 10 s");
    }
}
