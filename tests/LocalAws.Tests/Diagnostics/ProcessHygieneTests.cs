using System.Diagnostics;
using Gateway.Testing;

namespace LocalAws.Tests.Diagnostics;

/// <summary>LocalAws never leaves a dynalite process behind: not on dispose, not when LocalAws itself is killed.</summary>
public sealed class ProcessHygieneTests
{
    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<bool> ExitsWithinAsync(int pid, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit)
        {
            if (!IsRunning(pid))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return !IsRunning(pid);
    }

    [Fact]
    public async Task Dispose_StopsDynalite()
    {
        var host = await LocalAwsHost.StartAsync(new LocalAwsHostOptions { Seed = false });
        var dynalite = host.DynaliteProcessId;
        Assert.NotNull(dynalite);
        Assert.True(IsRunning(dynalite.Value));

        await host.DisposeAsync();

        Assert.True(await ExitsWithinAsync(dynalite.Value, TimeSpan.FromSeconds(10)), "dynalite is still running after LocalAws was disposed");
    }

    [Fact]
    public async Task KillingLocalAwsAlone_DynaliteExitsWhenItsStdinCloses()
    {
        await using var host = await LocalAwsHost.StartAsync(new LocalAwsHostOptions { Seed = false });
        var dynalite = host.DynaliteProcessId!.Value;
        Assert.True(IsRunning(dynalite));

        using (var localAws = Process.GetProcessById(host.ProcessId))
        {
            localAws.Kill(entireProcessTree: false);
        }

        Assert.True(await ExitsWithinAsync(dynalite, TimeSpan.FromSeconds(10)), "dynalite outlived a SIGKILLed LocalAws");
    }
}
