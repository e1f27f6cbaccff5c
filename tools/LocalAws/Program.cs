using System.Net;
using LocalAws;
using LocalAws.Configuration;

LocalAwsCommandLine commandLine;
try
{
    commandLine = LocalAwsCommandLine.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync("LocalAws: " + e.Message);
    return 2;
}

if (commandLine.Help)
{
    await Console.Out.WriteLineAsync(LocalAwsCommandLine.Usage);
    return 0;
}

try
{
    return await LocalAwsServer.RunAsync(commandLine, CancellationToken.None);
}
catch (Exception e) when (e is InvalidOperationException or IOException)
{
    // Missing dynalite, busy port, …: one line, no stack trace.
    await Console.Error.WriteLineAsync(("LocalAws failed to start: " + e.Message).ReplaceLineEndings(" "));
    return 1;
}
