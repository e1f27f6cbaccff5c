using System.Diagnostics;
using Gateway.Testing;

namespace LoadTests.Topology;

/// <summary>
/// Runs <c>Gateway.Migration reshard --organization X --shards N</c> as the operator would (its own process, the documented
/// command) against the runner's LocalAws: LocalAws's admin key as the operator identity, <c>--endpoint</c> LocalAws,
/// <c>--gateway-config</c> the repository root with the same environment overrides the runner's gateway got.
/// </summary>
internal static class Resharder
{
    public static async Task<Result> RunAsync(Topology topology, string organization, int shards, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["AWS_ACCESS_KEY_ID"] = Seeder.AdminAccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = Seeder.AdminSecretKey,
            ["AWS_REGION"] = "us-east-1",
        };
        foreach (var (key, value) in TopologyEnvironment.Gateway(topology.LocalAws, topology.Backend))
        {
            environment[key] = value;
        }

        var workDirectory = Directory.CreateTempSubdirectory("loadtests-reshard-");
        string[] args =
        [
            Built.Dll("src/Gateway.Migration", "Gateway.Migration"), "reshard",
            "--organization", organization,
            "--shards", shards.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--endpoint", TopologyEnvironment.Origin(topology.LocalAws),
            "--gateway-config", RepoPaths.Root,
        ];
        var clock = Stopwatch.StartNew();
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var run = await ProcessHost.RunDotnetAsync(args, environment, workDirectory.FullName, timeout).ConfigureAwait(false);
            return new Result(run.ExitCode, clock.Elapsed, Summarize(run));
        }
        catch (TimeoutException ex)
        {
            return new Result(-1, clock.Elapsed, $"did not exit within {timeout.TotalSeconds:0} s (killed); its output: {Tail(ex.Message)}");
        }
        finally
        {
            try
            {
                workDirectory.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Left to the OS's temp cleanup.
            }
        }
    }

    /// <summary>The last lines of stderr (or stdout when stderr is empty), at most 600 characters.</summary>
    private static string Summarize(ProcessRun run)
    {
        return Tail(string.IsNullOrWhiteSpace(run.StandardError) ? run.StandardOutput : run.StandardError);
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var tail = string.Join(" | ", lines.TakeLast(4));
        return tail.Length > 600 ? tail[^600..] : tail;
    }

    /// <summary>How the reshard ended: exit code (-1: killed at the timeout), how long it ran, its last output lines.</summary>
    internal sealed record Result(int ExitCode, TimeSpan Elapsed, string Summary);
}
