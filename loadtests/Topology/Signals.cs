using System.Diagnostics;
using System.Globalization;

namespace LoadTests.Topology;

/// <summary>POSIX signals to a process the runner started (<c>kill -SIGNAL pid</c>): TERM (graceful stop), STOP/CONT (freeze).</summary>
internal static class Signals
{
    public static async Task SendAsync(int processId, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, processId.ToString(CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("could not run kill");
        var error = await kill.StandardError.ReadToEndAsync().ConfigureAwait(false);
        await kill.WaitForExitAsync().ConfigureAwait(false);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"kill -{signal} {processId} failed (exit {kill.ExitCode}): {error.Trim()}"));
        }
    }
}
