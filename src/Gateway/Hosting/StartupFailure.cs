using Gateway.Isolation;
using Microsoft.AspNetCore.Connections;

namespace Gateway.Hosting;

/// <summary>
/// Turns an exception that stopped the gateway from starting into the one line printed on stderr: the operator needs
/// what went wrong and how to fix it, not a stack trace.
/// </summary>
internal static class StartupFailure
{
    public const int ExitCode = 1;

    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var line = exception switch
        {
            GatewayStartupException => $"Gateway cannot start: {exception.Message}",
            IOException { InnerException: AddressInUseException } =>
                $"Gateway cannot start: {exception.Message.TrimEnd('.')} (another process is listening there; stop it or pass another --urls).",
            _ => $"Gateway failed to start: {exception.GetType().Name}: {exception.Message}",
        };
        return line.ReplaceLineEndings(" ");
    }
}
