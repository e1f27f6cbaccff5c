using Gateway.Cli;
using Gateway.Testing;

namespace Gateway.Tests.Cli;

public sealed class VerifyCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> RunAsync(string contentRoot, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await VerifyCommand.RunAsync(args, Program.VerbHost(contentRoot), stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("--organizations", "zz-verify-a")]
    [InlineData("--organizations", "zz-verify-a,zz-verify-a")]
    [InlineData("--organizations", "zz-verify-a,bad org")]
    [InlineData("--json")]
    [InlineData("--bogus", "x")]
    public async Task RunAsync_BadUsage_Exit2OneLine(params string[] args)
    {
        var (exit, stdout, stderr) = await RunAsync(Path.GetTempPath(), args);

        Assert.Equal(VerifyCommand.Usage, exit);
        Assert.Empty(stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("verify: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_InvalidConfiguration_Exit2OneLineNamingTheKey()
    {
        var empty = Directory.CreateTempSubdirectory("gateway-verify-");
        try
        {
            var (exit, stdout, stderr) = await RunAsync(empty.FullName);

            Assert.Equal(VerifyCommand.Usage, exit);
            Assert.Empty(stdout);
            Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("verify: configuration is invalid (", stderr, StringComparison.Ordinal);
            Assert.Contains("TenantIsolation:RoleArn", stderr, StringComparison.Ordinal);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RunAsync_Help_Exit0()
    {
        var (exit, stdout, _) = await RunAsync(Path.GetTempPath(), "--help");

        Assert.Equal(0, exit);
        Assert.StartsWith("usage: Gateway verify", stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// A valid configuration (the shipped appsettings + Local as Production) whose STS, IAM and DynamoDB are a closed
    /// loopback port: what an operator gets when LocalAws moved or the AWS endpoint is wrong.
    /// </summary>
    private static (DirectoryInfo Root, string Url) UnreachableConfiguration()
    {
        var root = Directory.CreateTempSubdirectory("gateway-verify-");
        var url = $"http://127.0.0.1:{FreePort.Next()}/";
        File.Copy(RepoPaths.Combine("appsettings.json"), Path.Combine(root.FullName, "appsettings.json"));
        var local = File.ReadAllText(RepoPaths.Combine("appsettings.Local.json")).Replace("http://127.0.0.1:4566", url.TrimEnd('/'), StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(root.FullName, "appsettings.Production.json"), local);
        return (root, url);
    }

    [Fact]
    public async Task RunAsync_EndpointUnreachable_OneLineNamingItExit1BeforeAnyCheck()
    {
        var (root, url) = UnreachableConfiguration();
        try
        {
            var (exit, stdout, stderr) = await RunAsync(root.FullName);

            Assert.Equal(VerifyCommand.Failed, exit);
            Assert.Empty(stdout); // no table: nothing was checked
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal($"verify: cannot reach STS at {url} (connection refused); nothing was checked, isolation is not proven. Point TenantIsolation:Aws:StsServiceUrl (environment: TenantIsolation__Aws__StsServiceUrl) at the running endpoint.", line.TrimEnd());
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A plain web server (like <c>python3 -m http.server</c>) on a loopback port that answers every request with
    /// <paramref name="status"/> and an HTML page: reachable, but not AWS.
    /// </summary>
    private static async Task ServeHtmlAsync(System.Net.Sockets.TcpListener listener, string status, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using var client = await listener.AcceptTcpClientAsync(cancellationToken);
            var stream = client.GetStream();
            var buffer = new byte[65536];
            var request = string.Empty;
            while (!request.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                request += System.Text.Encoding.ASCII.GetString(buffer, 0, read);
            }

            const string Body = "<html><body><h1>Error response</h1><p>Error code: 404</p></body></html>";
            var answer = $"HTTP/1.0 {status}\r\nServer: SimpleHTTP/0.6 Python/3.12\r\nContent-Type: text/html\r\nContent-Length: {Body.Length}\r\nConnection: close\r\n\r\n{Body}";
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(answer), cancellationToken);
        }
    }

    [Theory]
    [InlineData("404 File not found", 404)]
    [InlineData("501 Unsupported method ('POST')", 501)]
    public async Task RunAsync_EndpointAnswersButIsNotSts_OneLineNamingItAndTheStatusExit1BeforeAnyCheck(string status, int code)
    {
        var (root, url) = UnreachableConfiguration();
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, new Uri(url).Port);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var server = ServeHtmlAsync(listener, status, stop.Token);
        try
        {
            var (exit, stdout, stderr) = await RunAsync(root.FullName);

            Assert.Equal(VerifyCommand.Failed, exit);
            Assert.Empty(stdout); // no table: nothing was checked
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"verify: HTTP {code} from {url}: not an STS endpoint", line, StringComparison.Ordinal);
            Assert.EndsWith("; nothing was checked, isolation is not proven. Point TenantIsolation:Aws:StsServiceUrl (environment: TenantIsolation__Aws__StsServiceUrl) at the running STS endpoint.", line.TrimEnd(), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            listener.Stop();
            await Assert.ThrowsAnyAsync<Exception>(() => server);
            root.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("no-such-directory/verify.json", "no such directory")]
    [InlineData("a-file/verify.json", null)]
    [InlineData("", "it is a directory")]
    [InlineData("/proc/verify.json", "a file cannot be created there")]
    public async Task RunAsync_JsonPathUnwritable_Exit2OneLineBeforeAnyCheck(string relative, string? cause)
    {
        var (root, _) = UnreachableConfiguration();
        try
        {
            File.WriteAllText(Path.Combine(root.FullName, "a-file"), "x");
            var path = Path.Combine(root.FullName, relative);

            var (exit, stdout, stderr) = await RunAsync(root.FullName, "--json", path);

            Assert.Equal(VerifyCommand.Usage, exit);
            Assert.Empty(stdout);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"verify: cannot write --json {path} (", line, StringComparison.Ordinal);
            Assert.Contains("nothing was checked", line, StringComparison.Ordinal);
            Assert.Contains("/tmp/verify.json", line, StringComparison.Ordinal);
            if (cause is not null)
            {
                Assert.Contains($"({cause})", line, StringComparison.Ordinal);
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void CheckWritable_ExistingFile_WritableAndUnchanged()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "previous result");

            Assert.Null(VerifyCommand.CheckWritable(file));
            Assert.Equal("previous result", File.ReadAllText(file));

            var fresh = file + ".new";
            Assert.Null(VerifyCommand.CheckWritable(fresh));
            Assert.False(File.Exists(fresh)); // the probe file is removed again
        }
        finally
        {
            File.Delete(file);
        }
    }
}
