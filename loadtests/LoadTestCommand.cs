using System.Globalization;
using System.Runtime.InteropServices;
using Gateway.Testing;
using LoadTests.Cli;
using LoadTests.Progress;
using LoadTests.Reports;
using LoadTests.Scenarios;
using LoadTests.Thresholds;
using LoadTests.Topology;
using Spectre.Console;

namespace LoadTests;

/// <summary>
/// The runner's entry point: parse, start (or attach to) the topology, run the scenarios, write the reports.
/// Exit codes: 0 every threshold held, 1 a threshold failed, 2 bad arguments, 3 the topology could not be started.
/// </summary>
internal static class LoadTestCommand
{
    public const int Passed = 0;
    public const int ThresholdsFailed = 1;
    public const int BadArguments = 2;
    public const int TopologyFailed = 3;

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken, IAnsiConsole? console = null, TextWriter? error = null)
    {
        if (console is null)
        {
            console = AnsiConsole.Console;
            if (Console.IsOutputRedirected)
            {
                console.Profile.Width = 240; // logs and CI: don't wrap tables at 80 columns
            }
        }

        error ??= Console.Error;
        var parsed = CommandLineParser.Parse(args);
        if (parsed.HelpRequested)
        {
            Console.Out.WriteLine(CommandLineParser.Usage);
            return Passed;
        }

        if (parsed.Options is not { } options)
        {
            await error.WriteLineAsync("LoadTests: " + parsed.Error).ConfigureAwait(false);
            return BadArguments;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return await RunScenariosAsync(options, string.Join(' ', args), console, error, cts.Token).ConfigureAwait(false);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static async Task<int> RunScenariosAsync(RunOptions options, string command, IAnsiConsole console, TextWriter error, CancellationToken cancellationToken)
    {
        var progress = new ConsoleProgress(console);
        var startedAt = DateTimeOffset.UtcNow;
        var loadAverage = LoadAverage();
        var reportDirectory = options.ReportDirectory
            ?? Path.Combine(DefaultRoot(), "loadtests", "reports", startedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));

        Topology.Topology topology;
        try
        {
            topology = await TopologyStarter.StartAsync(options, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or FileNotFoundException or HttpRequestException or IOException)
        {
            await error.WriteLineAsync("LoadTests: could not start the topology: " + FirstLine(ex.Message)).ConfigureAwait(false);
            return TopologyFailed;
        }

        var reports = new List<ScenarioReport>();
        await using (topology.ConfigureAwait(false))
        {
            using var environment = new ScenarioEnvironment(options, topology, progress);
            ServerErrorSamples.Drain();
            foreach (var scenario in ScenarioCatalog.Resolve(options.Scenario))
            {
                console.MarkupLine($"[bold]== {Markup.Escape(scenario.Name)}[/]");
                ScenarioReport report;
                try
                {
                    report = await scenario.RunAsync(environment, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // A scenario that could not run is a failed scenario with the reason, not a crash without a report.
                    report = new ScenarioReport
                    {
                        Name = scenario.Name,
                        Description = "The scenario did not complete.",
                        Phases = [],
                        Notes = ["error: " + ex.GetType().Name + ": " + FirstLine(ex.Message), "process output tail: " + topology.Diagnostics(600)],
                    }.WithThresholds([new Threshold("scenario completed", _ => 0, Comparison.Equal, 1)]);
                }

                var samples = ServerErrorSamples.Drain();
                if (samples.Count > 0)
                {
                    report = report with { Notes = [.. report.Notes, .. samples.Select(x => "5xx sample: " + x)] };
                }

                reports.Add(report);
                PrintSummary(console, report);
            }
        }

        var run = new RunReport
        {
            StartedAt = startedAt,
            Command = "LoadTests " + command,
            Machine = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, load average at start {loadAverage}"),
            Targets = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["localaws"] = topology.LocalAws.ToString(),
                ["backend"] = topology.Backend.ToString(),
                ["gateway"] = topology.Gateway.ToString(),
                ["topology"] = topology.Started ? "started by the runner" : "given on the command line",
            },
            Scenarios = reports,
        };
        var files = await ReportWriter.WriteAsync(run, reportDirectory, CancellationToken.None).ConfigureAwait(false);
        console.MarkupLine($"Reports: {Markup.Escape(string.Join(", ", files))}");
        console.MarkupLine(run.Passed ? "[green]All thresholds held.[/]" : "[red]Thresholds failed.[/]");
        return run.Passed ? Passed : ThresholdsFailed;
    }

    private static void PrintSummary(IAnsiConsole console, ScenarioReport report)
    {
        foreach (var line in ConsoleSummary.Lines(report))
        {
            console.WriteLine(line);
        }
    }

    /// <summary>1/5/15-minute load average (Linux), so a report shows whether the machine was busy with other work.</summary>
    private static string LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg").Split(' ');
            return text.Length >= 3 ? string.Join(' ', text[..3]) : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    private static string DefaultRoot()
    {
        try
        {
            return RepoPaths.Root;
        }
        catch (InvalidOperationException)
        {
            return Directory.GetCurrentDirectory();
        }
    }

    private static string FirstLine(string text)
    {
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? text : text[..newline].TrimEnd('\r');
    }
}
