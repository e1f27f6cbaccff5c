using System.Diagnostics;
using System.Globalization;
using System.Text;
using Gateway.Testing;

namespace RunScript.Tests;

/// <summary>
/// <c>./run.sh --no-build</c> (keep-running mode) started as <c>bash -c './run.sh … &amp; wait'</c>: a background job of a
/// non-interactive shell, the way a CI step or a supervisor starts it (SIGINT ignored on entry).
/// </summary>
internal sealed class BackgroundRun : IAsyncDisposable
{
    private const string RunningLine = "Press Ctrl-C to stop everything.";
    private readonly Process _parent;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<int> _scriptPid = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BackgroundRun(Process parent, int gatewayPort, string logDir)
    {
        _parent = parent;
        GatewayPort = gatewayPort;
        LogDir = logDir;
    }

    public int GatewayPort { get; }

    public string LogDir { get; }

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    public static Task<BackgroundRun> StartAsync(int[] ports, string? logDir, IReadOnlyList<string>? arguments = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("bash")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        var extra = string.Concat((arguments ?? []).Select(a => " " + a));
        info.ArgumentList.Add($"./run.sh --no-build{extra} & echo \"run.sh pid $!\"; wait $!");
        info.Environment["LOCALAWS_PORT"] = ports[0].ToString(CultureInfo.InvariantCulture);
        info.Environment["BACKEND_PORT"] = ports[1].ToString(CultureInfo.InvariantCulture);
        info.Environment["GATEWAY_PORT"] = ports[2].ToString(CultureInfo.InvariantCulture);
        info.Environment.Remove("RUN_LOG_DIR");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        if (logDir is not null)
        {
            info.Environment["RUN_LOG_DIR"] = logDir;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var run = new BackgroundRun(process, ports[2], logDir ?? RepoPaths.Combine(".run", ports[2].ToString(CultureInfo.InvariantCulture)));
        process.OutputDataReceived += (_, e) => run.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => run.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return Task.FromResult(run);
    }

    /// <summary>Waits for the walkthrough to finish and run.sh to say it keeps running.</summary>
    public async Task WaitRunningAsync(TimeSpan timeout)
    {
        var first = await Task.WhenAny(_running.Task, _parent.WaitForExitAsync(), Task.Delay(timeout));
        if (first != _running.Task)
        {
            throw new InvalidOperationException($"run.sh did not reach '{RunningLine}' (exited: {_parent.HasExited}):\n{Output}");
        }
    }

    /// <summary>True while run.sh (and so its parent shell) is still running.</summary>
    public bool IsRunning => !_parent.HasExited;

    /// <summary>Sends SIGINT/SIGTERM to run.sh itself (not to its parent) and returns run.sh's exit code.</summary>
    public async Task<int> SignalAndWaitAsync(string signal, TimeSpan timeout)
    {
        var pid = await _scriptPid.Task;
        using (var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        return await WaitAsync(timeout);
    }

    /// <summary>Waits for run.sh to exit on its own; its parent's <c>wait $!</c> passes run.sh's exit code on.</summary>
    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _parent.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"run.sh did not exit within {timeout.TotalSeconds:0} s:\n{Output}");
        }

        return _parent.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_parent.HasExited && _scriptPid.Task.IsCompletedSuccessfully)
        {
            // A failed test: let run.sh clean up after itself, then make sure.
            using var kill = Process.Start("kill", ["-TERM", _scriptPid.Task.Result.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _parent.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _parent.Kill(entireProcessTree: true);
            }
        }

        _parent.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.AppendLine(line);
        }

        if (line.StartsWith("run.sh pid ", StringComparison.Ordinal))
        {
            _scriptPid.TrySetResult(int.Parse(line["run.sh pid ".Length..], CultureInfo.InvariantCulture));
        }
        else if (line.Contains(RunningLine, StringComparison.Ordinal))
        {
            _running.TrySetResult();
        }
    }
}
