using Gateway.Isolation;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>
/// Turns an exception that stopped the gateway from starting into the one line printed on stderr: the operator needs
/// what went wrong and how to fix it, not a stack trace.
/// </summary>
internal static class StartupFailure
{
    public const int ExitCode = 1;

    /// <summary>
    /// Whether <paramref name="exception"/>, thrown while the host was configured and built, is one the operator can fix
    /// and should read as one line: one of the gateway's own start-up checks, a configuration file that cannot be read
    /// or parsed, a configuration value the host cannot convert, a service the provider's validation rejects.
    /// </summary>
    public static bool IsHostBuildFailure(Exception exception)
        => exception is GatewayStartupException or InvalidOperationException or AggregateException or InvalidDataException
            or FormatException or IOException or UnauthorizedAccessException or OptionsValidationException;

    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var line = exception switch
        {
            GatewayStartupException => $"Gateway cannot start: {exception.Message}",
            IOException { InnerException: AddressInUseException } =>
                $"Gateway cannot start: {exception.Message.TrimEnd('.')} (another process is listening there; stop it or pass another --urls).",
            // A configuration file that is not JSON: the file, then the parser's cause and position (never the file's text).
            InvalidDataException { InnerException: not null } =>
                $"Gateway cannot start: {exception.Message.TrimEnd('.')}: {Causes(exception.InnerException)}",
            _ => $"Gateway failed to start: {exception.GetType().Name}: {exception.Message}",
        };
        return line.ReplaceLineEndings(" ");
    }

    private static string Causes(Exception exception)
    {
        var causes = new List<string>();
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            causes.Add(cause.Message.TrimEnd('.'));
        }

        return string.Join(": ", causes) + ".";
    }
}
