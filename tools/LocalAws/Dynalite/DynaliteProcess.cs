using System.ComponentModel;
using System.Diagnostics;
using LocalAws.Diagnostics;

namespace LocalAws.Dynalite;

/// <summary>
/// Installs (<c>npm ci</c>, once, under a file lock) and runs dynalite as a child process through
/// <c>tools/dynalite/run.js</c>, which binds a free loopback port and exits when its stdin closes, so the child dies
/// with LocalAws even when LocalAws is killed. Disposing closes stdin, waits briefly, then kills the process tree.
/// </summary>
internal sealed class DynaliteProcess : IAsyncDisposable
{
    private const string ReadyPrefix = "dynalite listening on ";
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_installTimeout = TimeSpan.FromMinutes(5);

    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private DynaliteProcess(Process process, Uri url, ILogger logger)
    {
        _process = process;
        ProcessId = process.Id;
        Url = url;
        _logger = logger;
    }

    public Uri Url { get; }

    public int ProcessId { get; }

    /// <summary>Completes with the exit code when dynalite exits on its own (not when disposed): LocalAws cannot serve DynamoDB any more.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>The directory holding dynalite's package.json: walks up from the working directory and the assembly directory.</summary>
    public static string? FindDirectory() => FindDirectory(Directory.GetCurrentDirectory(), AppContext.BaseDirectory);

    /// <summary>
    /// Walks up from each start directory looking for <c>tools/dynalite</c>. The LocalAws assembly lives in
    /// <c>tools/LocalAws/bin/{Configuration}/net10.0</c>, so the walk from it reaches the repository root and finds its
    /// sibling <c>tools/dynalite</c> whatever the working directory.
    /// </summary>
    public static string? FindDirectory(params string[] starts)
    {
        ArgumentNullException.ThrowIfNull(starts);
        foreach (var start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tools", "dynalite");
                if (File.Exists(Path.Combine(candidate, "package.json")) && File.Exists(Path.Combine(candidate, "run.js")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    public static async Task<DynaliteProcess> StartAsync(string directory, string? dataDirectory, ILogger logger, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(directory, "package.json")) || !File.Exists(Path.Combine(directory, "run.js")))
        {
            // Otherwise 'npm ci' runs there and prints its whole usage text.
            throw new InvalidOperationException($"{directory} is not the dynalite directory (it has no package.json and run.js; use tools/dynalite of this repository, or --dynamodb-upstream URL).");
        }

        await EnsureInstalledAsync(directory, logger, cancellationToken);

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("run.js");
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add("0");
        if (dataDirectory is not null)
        {
            Directory.CreateDirectory(dataDirectory);
            start.ArgumentList.Add("--path");
            start.ArgumentList.Add(dataDirectory);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("LocalAws needs Node.js (the 'node' command) to run dynalite; install Node.js 20+ or pass --dynamodb-upstream URL.", e);
        }

        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith(ReadyPrefix, StringComparison.Ordinal) && Uri.TryCreate(line[ReadyPrefix.Length..].Trim(), UriKind.Absolute, out var url))
            {
                ready.TrySetResult(url);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (errors)
                {
                    if (errors.Length < 4000)
                    {
                        errors.AppendLine(line);
                    }
                }
            }
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"dynalite exited during start-up (code {SafeExitCode(process)}): {errors}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var url = await ready.Task.WaitAsync(s_startTimeout, cancellationToken);
            var result = new DynaliteProcess(process, url, logger);
            process.Exited += (_, _) => result.OnExited();
            if (process.HasExited)
            {
                result.OnExited();
            }

            Log.DynaliteStarted(logger, process.Id, url);
            return result;
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException)
        {
            Kill(_process);
        }
        finally
        {
            Kill(_process);
            _process.Dispose();
            Log.DynaliteStopped(_logger);
        }
    }

    private void OnExited()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _exited.TrySetResult(int.TryParse(SafeExitCode(_process), System.Globalization.CultureInfo.InvariantCulture, out var code) ? code : -1);
        }
    }

    private static async Task EnsureInstalledAsync(string directory, ILogger logger, CancellationToken cancellationToken)
    {
        var marker = Path.Combine(directory, "node_modules", "dynalite", "package.json");
        if (File.Exists(marker))
        {
            return;
        }

        // Two LocalAws processes starting at once (parallel test assemblies) must not run npm ci together.
        var lockPath = Path.Combine(directory, ".install.lock");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(s_installTimeout);
        FileStream? lockFile = null;
        while (lockFile is null)
        {
            try
            {
                lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException)
            {
                await Task.Delay(250, deadline.Token);
            }
        }

        await using (lockFile)
        {
            if (File.Exists(marker))
            {
                return;
            }

            Log.InstallingDynalite(logger, directory);
            var start = new ProcessStartInfo("npm")
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" })
            {
                start.ArgumentList.Add(arg);
            }

            Process npm;
            try
            {
                npm = Process.Start(start) ?? throw new InvalidOperationException("npm did not start.");
            }
            catch (Win32Exception e)
            {
                throw new InvalidOperationException($"dynalite is not installed in {directory} and 'npm' is not available to install it; install Node.js 20+ (with npm) or pass --dynamodb-upstream URL.", e);
            }

            using (npm)
            {
                var stdout = npm.StandardOutput.ReadToEndAsync(deadline.Token);
                var stderr = npm.StandardError.ReadToEndAsync(deadline.Token);
                try
                {
                    await npm.WaitForExitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    Kill(npm);
                    throw;
                }

                if (npm.ExitCode != 0)
                {
                    throw new InvalidOperationException($"'npm ci' in {directory} failed with exit code {npm.ExitCode}: {await stderr}{await stdout}");
                }
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(2000);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }
}
