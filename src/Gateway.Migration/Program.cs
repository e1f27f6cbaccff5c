using Gateway.Migration.Cli;
using Spectre.Console;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
try
{
    return await MigrationCli.RunAsync(args, Console.Out, Console.Error, interactive, cancellation.Token);
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("cancelled; copy, export and erase resume from their checkpoints");
    return 130;
}
