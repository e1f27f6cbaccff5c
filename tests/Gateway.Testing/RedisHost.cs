using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Testing;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, without persistence, for fleet tests. <see cref="KillAsync"/> and
/// <see cref="RestartAsync"/> simulate an outage (same port, empty data). When redis-server is not installed,
/// <see cref="StartAsync"/> throws with the install command: fleet tests fail loudly, they never skip.
/// </summary>
public sealed class RedisHost : IAsyncDisposable
{
    private Process? _process;

    private RedisHost(int port) => Port = port;

    public int Port { get; }

    /// <summary>The StackExchange.Redis connection string (<c>127.0.0.1:PORT</c>).</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The redis-server on PATH, or null.</summary>
    public static string? FindServer()
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists);

    public static async Task<RedisHost> StartAsync(CancellationToken cancellationToken = default)
    {
        var host = new RedisHost(FreePort.Next());
        await host.RestartAsync(cancellationToken).ConfigureAwait(false);
        return host;
    }

    /// <summary>Starts redis-server (again) on <see cref="Port"/> and waits until it answers PING.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        var server = FindServer() ?? throw new InvalidOperationException(
            "redis-server is not installed, and the fleet tests need it: run `apt-get install -y redis-server` (./test.sh does this when it can).");
        var info = new ProcessStartInfo(server)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--protected-mode", "no" })
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("Could not start redis-server.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (!await PingAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(15))
            {
                throw new InvalidOperationException($"redis-server did not answer on port {Port} within 15 s (exited: {_process.HasExited}).");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Kills redis-server (SIGKILL: no goodbye to the clients) and waits for it to exit.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process?.Dispose();
        _process = null;
    }

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port, cancellationToken).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync() => await KillAsync().ConfigureAwait(false);
}
