using System.Diagnostics;
using System.Text;

namespace Gateway.Testing;

/// <summary>
/// A real child process (<c>dotnet app.dll …</c>) started for a test: waits until it is ready, keeps the tail of
/// its output for diagnostics and kills the whole process tree on dispose, so no test leaves an orphan behind.
/// </summary>
public sealed class ProcessHost : IAsyncDisposable
{
    // Large enough for a whole end-to-end run's log now that every allowed request is an audit line: the no-secret
    // scans read all of it (they assert the first start-up line is still there, so a truncated log fails them).
    private const int MaxOutputChars = 16 * 1024 * 1024;
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _readyLineSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Func<string, bool>? _readyLine;
    private int _disposed;

    private ProcessHost(Process process, Func<string, bool>? readyLine)
    {
        _process = process;
        _readyLine = readyLine;
    }

    /// <summary>The operating-system process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The last 16 MiB of combined standard output and error.</summary>
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

    /// <summary>
    /// Starts <c>dotnet {dllPath} {args}</c> and waits until <paramref name="readyLine"/> matches an output line and/or
    /// <paramref name="readyUrl"/> answers 2xx (whichever are given), or throws (with the output) when the process
    /// exits first or <paramref name="timeout"/> passes.
    /// </summary>
    public static async Task<ProcessHost> StartDotnetAsync(
        string dllPath,
        IEnumerable<string> args,
        IDictionary<string, string?>? env,
        string workingDirectory,
        Func<string, bool>? readyLine,
        Uri? readyUrl,
        TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        var info = DotnetStartInfo([dllPath, .. args], env, workingDirectory);

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var host = new ProcessHost(process, readyLine);
        process.OutputDataReceived += (_, e) => host.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => host.OnLine(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start dotnet {dllPath}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await host.WaitReadyAsync(Path.GetFileName(dllPath), readyLine is not null, readyUrl, timeout, cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The exit code; only once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Sends <paramref name="signal"/> (<c>TERM</c>, <c>INT</c>…) with <c>kill</c>, as Kubernetes or Ctrl-C would;
    /// <see cref="Process.Kill()"/> is SIGKILL. The process is <c>dotnet app.dll</c> itself, so the app receives it.
    /// </summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        await kill.WaitForExitAsync().ConfigureAwait(false);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {ProcessId} exited {kill.ExitCode}");
        }
    }

    /// <summary>Waits until the process exits on its own (and its output was delivered), or throws on timeout.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the process did not exit within {timeout.TotalSeconds:0} s. Output:\n{Output}");
        }
    }

    /// <summary>
    /// Runs <c>dotnet {dllOrCommand} {args}</c> to completion (killing it after <paramref name="timeout"/>) with
    /// standard input closed, and returns its exit code, stdout and stderr separately.
    /// </summary>
    public static async Task<ProcessRun> RunDotnetAsync(
        IEnumerable<string> args,
        IDictionary<string, string?>? env,
        string workingDirectory,
        TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(args);
        var info = DotnetStartInfo(args, env, workingDirectory);

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start dotnet.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
            throw new TimeoutException($"dotnet {string.Join(' ', info.ArgumentList)} did not exit within {timeout.TotalSeconds:0} s:\n{await stdout.ConfigureAwait(false)}\n{await stderr.ConfigureAwait(false)}");
        }

        return new ProcessRun(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Kills the process tree (if still running) and waits for it to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        catch (OperationCanceledException)
        {
            // Kill was sent; the OS reaps it.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private async Task WaitReadyAsync(string name, bool needLine, Uri? readyUrl, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var exited = _process.WaitForExitAsync(cts.Token);
        try
        {
            if (needLine)
            {
                var first = await Task.WhenAny(_readyLineSeen.Task, exited).ConfigureAwait(false);
                if (first != _readyLineSeen.Task)
                {
                    await first.ConfigureAwait(false);
                    await DrainOutputAsync().ConfigureAwait(false);
                    throw new InvalidOperationException($"{name} exited with code {_process.ExitCode} before it was ready. Output:\n{Output}");
                }
            }

            if (readyUrl is not null)
            {
                while (true)
                {
                    if (_process.HasExited)
                    {
                        await DrainOutputAsync().ConfigureAwait(false);
                        throw new InvalidOperationException($"{name} exited with code {_process.ExitCode} before it was ready. Output:\n{Output}");
                    }

                    try
                    {
                        using var response = await Probe.GetAsync(readyUrl, cts.Token).ConfigureAwait(false);
                        if (response.IsSuccessStatusCode)
                        {
                            return;
                        }
                    }
                    catch (HttpRequestException)
                    {
                        // Not listening yet.
                    }
                    catch (TaskCanceledException) when (!cts.IsCancellationRequested)
                    {
                        // Probe timeout; try again.
                    }

                    await Task.Delay(100, cts.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{name} was not ready within {timeout.TotalSeconds:0} s. Output:\n{Output}");
        }
    }

    /// <summary>HasExited can be true before the last output lines were delivered; WaitForExitAsync waits for them.</summary>
    private async Task DrainOutputAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Report what arrived so far.
        }
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
            if (_output.Length > MaxOutputChars)
            {
                _output.Remove(0, _output.Length - MaxOutputChars);
            }
        }

        if (_readyLine is not null && _readyLine(line))
        {
            _readyLineSeen.TrySetResult();
        }
    }

    /// <summary><c>dotnet {args}</c> with redirected streams, no logo or telemetry, and <paramref name="env"/> applied.</summary>
    private static ProcessStartInfo DotnetStartInfo(IEnumerable<string> args, IDictionary<string, string?>? env, string workingDirectory)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in env ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }

        return info;
    }
}
