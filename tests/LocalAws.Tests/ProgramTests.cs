using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Gateway.Testing;

namespace LocalAws.Tests;

/// <summary>The built LocalAws process: usage, bad arguments and start-up failures end in one line, never a stack trace.</summary>
public sealed partial class ProgramTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static Task<ProcessRun> RunAsync(params string[] args)
        => ProcessHost.RunDotnetAsync([Built.LocalAwsDll, .. args], null, RepoPaths.Root, Timeout);

    [Fact]
    public async Task Main_Help_PrintsUsageAndExitsZero()
    {
        var run = await RunAsync("--help");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("usage: LocalAws [--port P]", run.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.StandardError);
    }

    [Fact]
    public async Task Main_UnknownArgument_ExitsTwoWithOneLine()
    {
        var run = await RunAsync("--frobnicate");

        Assert.True(run.ExitCode == 2, run.ToString());
        AssertOneClearLine(run, "LocalAws: Unknown option '--frobnicate'");
    }

    [Fact]
    public async Task Main_DynaliteDirWithoutDynalite_ExitsOneWithOneLine()
    {
        var empty = Directory.CreateTempSubdirectory("localaws-no-dynalite-");
        try
        {
            var run = await RunAsync("--port", "0", "--dynalite-dir", empty.FullName);

            Assert.True(run.ExitCode == 1, run.ToString());
            AssertOneClearLine(run, $"LocalAws failed to start: {empty.FullName} is not the dynalite directory");
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Main_DynaliteChildDies_ExitsNonZeroNamingIt()
    {
        await using var localAws = await ProcessHost.StartDotnetAsync(
            Built.LocalAwsDll, ["--port", "0", "--no-seed"], null, RepoPaths.Root,
            line => line.StartsWith("LocalAws listening on ", StringComparison.Ordinal), null, Timeout);
        var started = DynaliteStarted().Match(localAws.Output);
        for (var i = 0; i < 50 && !started.Success; i++)
        {
            await Task.Delay(100); // the console logger writes from its own thread
            started = DynaliteStarted().Match(localAws.Output);
        }

        Assert.True(started.Success, localAws.Output);
        var pid = int.Parse(started.Groups[1].Value, CultureInfo.InvariantCulture);

        using (var dynalite = Process.GetProcessById(pid))
        {
            dynalite.Kill();
        }

        await localAws.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, localAws.ExitCode);
        Assert.Contains($"LocalAws: dynalite (pid {pid}) exited unexpectedly", localAws.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_StartedOutsideTheRepository_FindsToolsDynaliteFromItsAssemblyDirectory()
    {
        var elsewhere = Directory.CreateTempSubdirectory("localaws-cwd-");
        try
        {
            // The working directory has no tools/dynalite above it: only the walk up from tools/LocalAws/bin/… can find it.
            await using var localAws = await ProcessHost.StartDotnetAsync(
                Built.LocalAwsDll, ["--port", "0", "--no-seed"], null, elsewhere.FullName,
                line => line.StartsWith("LocalAws listening on ", StringComparison.Ordinal), null, Timeout);

            Assert.False(localAws.HasExited, localAws.Output);
            Assert.Equal(RepoPaths.Combine("tools", "dynalite"), LocalAws.Dynalite.DynaliteProcess.FindDirectory(Path.GetDirectoryName(Built.LocalAwsDll)!));
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Bench_Help_PrintsUsageAndExitsZero()
    {
        var run = await ProcessHost.RunDotnetAsync([Built.Dll("tools/LocalAws.Bench", "LocalAws.Bench"), "--help"], null, RepoPaths.Root, Timeout);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("usage: LocalAws.Bench [--requests N", run.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--frobnicate")]
    [InlineData("--requests", "many")]
    public async Task Bench_BadArgument_ExitsTwoWithOneLineBeforeStartingAnything(params string[] args)
    {
        var run = await ProcessHost.RunDotnetAsync([Built.Dll("tools/LocalAws.Bench", "LocalAws.Bench"), .. args], null, RepoPaths.Root, Timeout);

        Assert.True(run.ExitCode == 2, run.ToString());
        AssertOneClearLine(run, $"LocalAws.Bench: {(args.Length == 1 ? "unknown argument '--frobnicate'" : "--requests needs a positive whole number")}");
        Assert.Equal(string.Empty, run.StandardOutput);
    }

    internal static void AssertOneClearLine(ProcessRun run, string expectedStart)
    {
        Assert.True(run.ErrorLines.Count == 1, $"stderr is not one line: {run}");
        Assert.StartsWith(expectedStart, run.ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"dynalite started \(pid (\d+)\)")]
    private static partial Regex DynaliteStarted();
}
