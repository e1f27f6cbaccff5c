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
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}

try
{
    return await LocalAwsServer.RunAsync(commandLine, CancellationToken.None);
}
catch (InvalidOperationException e)
{
    await Console.Error.WriteLineAsync("LocalAws failed to start: " + e.Message);
    return 1;
}
