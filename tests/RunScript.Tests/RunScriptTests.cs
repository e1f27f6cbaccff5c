using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gateway.Testing;

namespace RunScript.Tests;

/// <summary>
/// Runs the README's first command (<c>./run.sh --demo</c>) for real: LocalAws + dynalite, the sample API and the
/// gateway as separate processes on free loopback ports, and the walkthrough's expectations checked by the script.
/// </summary>
public sealed class RunScriptTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Demo_AllStepsBehave_ExitsZeroAndLeavesNoProcessListening()
    {
        var ports = new[] { FreePort.Next(), FreePort.Next(), FreePort.Next() };

        var logDir = Directory.CreateTempSubdirectory("run-sh-test-").FullName;
        var (exitCode, output) = await RunAsync(["--demo", "--no-build"], ports, logDir);
        var started = StartedProcessIds(logDir);
        Directory.Delete(logDir, recursive: true);

        Assert.True(exitCode == 0, $"run.sh --demo exited {exitCode}:\n{output}");
        Assert.Equal(4, started.Count); // LocalAws, its dynalite child, the sample API, the gateway
        foreach (var (name, pid) in started)
        {
            Assert.False(Directory.Exists($"/proc/{pid}"), $"{name} (pid {pid}) is still running after run.sh exited");
        }

        Assert.Contains("alice (ADMINISTRATOR of acme) lists Acme's applications", output, StringComparison.Ordinal);
        Assert.Matches(@"Walkthrough: all \d+ steps behaved as expected\.", output);
        Assert.DoesNotContain("UNEXPECTED", output, StringComparison.Ordinal);
        Assert.DoesNotContain("local-gateway-secret", output, StringComparison.Ordinal);
        foreach (var port in ports)
        {
            Assert.True(await IsFreeWithinAsync(port, TimeSpan.FromSeconds(10)), $"port {port} is still in use after run.sh exited:\n{output}");
        }
    }

    [Fact]
    public async Task Demo_ThreeInstances_WalkthroughThroughTheFrontDoorThenEverythingStops()
    {
        // run.sh --instances 3 puts the gateways on GATEWAY_PORT+1…+3: those must be free too.
        var ports = new[] { FreePort.Next(), FreePort.Next(), FreePort.NextBlock(following: 3) };
        var redisPort = FreePort.Next();
        var logDir = Directory.CreateTempSubdirectory("run-sh-test-").FullName;

        var (exitCode, output) = await RunAsync(["--demo", "--no-build", "--instances", "3"], ports, logDir, new() { ["REDIS_PORT"] = redisPort.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var started = StartedProcessIds(logDir);
        Directory.Delete(logDir, recursive: true);

        Assert.True(exitCode == 0, $"run.sh --demo --instances 3 exited {exitCode}:\n{output}");
        // LocalAws, its dynalite child, the sample API, redis-server, three gateways, the front door
        Assert.Equal(["backend", "dynalite", "frontdoor", "gateway1", "gateway2", "gateway3", "localaws", "redis"], started.Select(s => s.Name).Order(StringComparer.Ordinal));
        foreach (var (name, pid) in started)
        {
            Assert.False(Directory.Exists($"/proc/{pid}"), $"{name} (pid {pid}) is still running after run.sh exited");
        }

        Assert.Contains("Starting gateway instance 3", output, StringComparison.Ordinal);
        Assert.Matches(@"Walkthrough: all \d+ steps behaved as expected\.", output);
        Assert.DoesNotContain("UNEXPECTED", output, StringComparison.Ordinal);
        foreach (var port in ports.Append(redisPort))
        {
            Assert.True(await IsFreeWithinAsync(port, TimeSpan.FromSeconds(10)), $"port {port} is still in use after run.sh exited:\n{output}");
        }
    }

    [Fact]
    public async Task Demo_PortAlreadyInUse_ExitsNonZeroWithOneClearLine()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var busy = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var (exitCode, output) = await RunAsync(["--demo", "--no-build"], [FreePort.Next(), FreePort.Next(), busy]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"port {busy} (GATEWAY_PORT) is already in use", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Starting LocalAws", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownArgument_ExitsTwoAndNamesIt()
    {
        var (exitCode, output) = await RunAsync(["--frobnicate"], [FreePort.Next(), FreePort.Next(), FreePort.Next()]);

        Assert.Equal(2, exitCode);
        Assert.Contains("unknown argument '--frobnicate'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_PrintsExactlyTheUsage()
    {
        var (exitCode, output) = await RunAsync(["--help"], [FreePort.Next(), FreePort.Next(), FreePort.Next()]);

        Assert.Equal(0, exitCode);
        var lines = output.TrimEnd().Split('\n');
        Assert.StartsWith("usage: ./run.sh [--demo] [--no-build] [--instances N] [--help]", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, line => line.TrimStart().StartsWith("--instances N", StringComparison.Ordinal) && line.Contains("Redis", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.TrimStart().StartsWith("REDIS_PORT", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.TrimStart().StartsWith("RUN_LOG_DIR", StringComparison.Ordinal) && line.Contains(".run/<GATEWAY_PORT>", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.StartsWith('#') || line.Contains("set -e", StringComparison.Ordinal) || line.Contains("Runs the whole product", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeepRunning_TwoRunsStoppedBySigintAndSigterm_EachStopsEverythingAndKeepsItsOwnLogDir()
    {
        // No RUN_LOG_DIR: each run picks .run/<gateway port>. Both are started with '&' by a non-interactive shell,
        // which makes them inherit SIGINT ignored.
        int[] firstPorts = [FreePort.Next(), FreePort.Next(), FreePort.Next()];
        var first = await BackgroundRun.StartAsync(firstPorts, logDir: null);
        await using var firstRun = first;
        var second = await BackgroundRun.StartAsync([FreePort.Next(), FreePort.Next(), FreePort.Next()], logDir: null);
        await using var secondRun = second;
        await Task.WhenAll(first.WaitRunningAsync(Timeout), second.WaitRunningAsync(Timeout));
        var firstStarted = StartedProcessIds(first.LogDir);
        var secondStarted = StartedProcessIds(second.LogDir);

        Assert.NotEqual(first.LogDir, second.LogDir);
        Assert.Equal(RepoPaths.Combine(".run", first.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture)), first.LogDir);
        Assert.Equal(4, firstStarted.Count);
        Assert.Equal(4, secondStarted.Count);
        Assert.Empty(firstStarted.Select(p => p.Pid).Intersect(secondStarted.Select(p => p.Pid)));

        var firstExit = await first.SignalAndWaitAsync("INT", TimeSpan.FromSeconds(60));
        AssertAllGone(firstStarted, first.Output);
        Assert.All(secondStarted, p => Assert.True(Directory.Exists($"/proc/{p.Pid}"), $"{p.Name} of the second run died with the first:\n{second.Output}"));
        var secondExit = await second.SignalAndWaitAsync("TERM", TimeSpan.FromSeconds(60));
        AssertAllGone(secondStarted, second.Output);

        var firstLocalAwsLog = File.ReadAllText(Path.Combine(first.LogDir, "localaws.log"));
        Directory.Delete(first.LogDir, recursive: true);
        Directory.Delete(second.LogDir, recursive: true);

        Assert.True(firstExit == 130, $"SIGINT: run.sh exited {firstExit}:\n{first.Output}");
        Assert.True(secondExit == 143, $"SIGTERM: run.sh exited {secondExit}:\n{second.Output}");
        Assert.Contains($"LocalAws listening on http://127.0.0.1:{firstPorts[0]}", firstLocalAwsLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeepRunning_DynaliteDies_StopsEverythingAndNamesLocalAws()
    {
        var logDir = Directory.CreateTempSubdirectory("run-sh-test-").FullName;
        var run = await BackgroundRun.StartAsync([FreePort.Next(), FreePort.Next(), FreePort.Next()], logDir);
        await using var runScope = run;
        await run.WaitRunningAsync(Timeout);
        var started = StartedProcessIds(logDir);
        Assert.Equal(4, started.Count);
        var localAws = started.Single(p => p.Name == "localaws").Pid;

        using (var dynalite = Process.GetProcessById(started.Single(p => p.Name == "dynalite").Pid))
        {
            dynalite.Kill();
        }

        var exit = await run.WaitAsync(TimeSpan.FromSeconds(60));
        AssertAllGone(started, run.Output);
        Directory.Delete(logDir, recursive: true);

        Assert.True(exit == 1, $"run.sh exited {exit}:\n{run.Output}");
        Assert.Contains($"run.sh: localaws (pid {localAws}) exited with code 1", run.Output, StringComparison.Ordinal);
    }

    /// <summary>How long after an instance dies the front door may still fail a request: one active probe interval (1 s) +
    /// its timeout (1 s) + 1 s of slack for this loaded machine. Documented in README "Running a fleet".</summary>
    private static readonly TimeSpan HealthCheckBound = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task KeepRunning_ThreeInstances_InstanceKilledThenRedisKilled_RequestsKeepSucceedingAndRunShGoesOn()
    {
        var ports = new[] { FreePort.Next(), FreePort.Next(), FreePort.NextBlock(following: 3) };
        var redisPort = FreePort.Next();
        var logDir = Directory.CreateTempSubdirectory("run-sh-test-").FullName;
        var run = await BackgroundRun.StartAsync(ports, logDir, ["--instances", "3"], new Dictionary<string, string> { ["REDIS_PORT"] = redisPort.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await using var runScope = run;
        await run.WaitRunningAsync(Timeout);
        var started = StartedProcessIds(logDir);
        var gateway2 = started.Single(p => p.Name == "gateway2").Pid;
        var redis = started.Single(p => p.Name == "redis").Pid;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        var token = await TokenAsync(http, ports[0], "alice");
        var frontDoor = new Uri($"http://127.0.0.1:{ports[2]}/api/applications");

        // A bounded request loop through the front door (sequential, ≈ 10 req/s for 16 s): gateway2 is SIGKILLed after
        // 3 s, redis-server after 9 s.
        var results = new List<(TimeSpan At, string Outcome)>();
        var clock = Stopwatch.StartNew();
        TimeSpan? killedAt = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(16))
        {
            if (killedAt is null && clock.Elapsed > TimeSpan.FromSeconds(3))
            {
                Process.GetProcessById(gateway2).Kill();
                killedAt = clock.Elapsed;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(9) && Directory.Exists($"/proc/{redis}"))
            {
                Process.GetProcessById(redis).Kill();
            }

            results.Add((clock.Elapsed, await OutcomeAsync(http, frontDoor, token)));
            await Task.Delay(100);
        }

        var failures = results.Where(r => r.Outcome != "200").ToList();
        var report = string.Join(", ", failures.Select(f => $"{f.At.TotalSeconds:0.00}s:{f.Outcome}"));
        Assert.True(results.Count >= 40, $"only {results.Count} requests in 16 s");
        Assert.True(killedAt is not null);
        // Retries cover connection refused/reset before any response byte; only a request whose response had started on
        // the killed instance may fail, and only before the health check took it out.
        Assert.True(failures.Count <= 1, $"{failures.Count} of {results.Count} requests failed: {report}");
        Assert.All(failures, f => Assert.True(f.At >= killedAt && f.At <= killedAt + HealthCheckBound, $"failed outside the health-check bound: {report}"));

        // run.sh said so, restarted gateway2 (back in rotation once ready), went on without Redis, and is still running.
        Assert.Contains($"run.sh: gateway2 (pid {gateway2}) exited with code 137; restarting it on port {ports[2] + 2}", run.Output, StringComparison.Ordinal);
        Assert.Contains($"run.sh: redis (pid {redis}) exited with code 137; going on without the shared cache", run.Output, StringComparison.Ordinal);
        Assert.True(await AnswersWithinAsync(http, new Uri($"http://127.0.0.1:{ports[2] + 2}/readyz"), TimeSpan.FromSeconds(90)), $"gateway2 did not come back:\n{run.Output}");
        Assert.Equal("200", await OutcomeAsync(http, frontDoor, token));
        Assert.True(run.IsRunning, $"run.sh stopped:\n{run.Output}");
        Assert.DoesNotContain("stopping everything", run.Output, StringComparison.Ordinal);

        var exit = await run.SignalAndWaitAsync("TERM", TimeSpan.FromSeconds(60));
        var all = StartedProcessIds(logDir);
        AssertAllGone(all, run.Output);
        Directory.Delete(logDir, recursive: true);

        Assert.Equal(2, all.Count(p => p.Name == "gateway2"));
        Assert.True(exit == 143, $"SIGTERM: run.sh exited {exit}:\n{run.Output}");
    }

    private static async Task<string> TokenAsync(HttpClient http, int localAwsPort, string user)
    {
        using var response = await http.PostAsync(
            new Uri($"http://127.0.0.1:{localAwsPort}/_localaws/tokens"),
            new StringContent($$"""{"sub":"{{user}}","expiresInSeconds":900}""", System.Text.Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    private static async Task<string> OutcomeAsync(HttpClient http, Uri url, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("X-Organization-Id", "acme");
        try
        {
            using var response = await http.SendAsync(request);
            await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return e.GetType().Name;
        }
    }

    private static async Task<bool> AnswersWithinAsync(HttpClient http, Uri url, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync(url);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(500);
        }

        return false;
    }

    [Fact]
    public async Task KeepRunning_PrintedOperatorCommands_WorkExactlyAsPrintedOnMovedPorts()
    {
        // Issue 20: verify on a run with moved ports gave "2 passed, 98 failed", and audit over run.sh's (plain text)
        // gateway log found 0 events. run.sh prints the verbs with its ports; pasted as printed (from another
        // directory, without the test's environment), each must work against this run.
        var logDir = Directory.CreateTempSubdirectory("run-sh-test-").FullName;
        var run = await BackgroundRun.StartAsync([FreePort.Next(), FreePort.Next(), FreePort.Next()], logDir);
        await using var runScope = run;
        await run.WaitRunningAsync(Timeout);

        var lines = run.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var header = lines.FindIndex(l => l.StartsWith("Operator verbs against this run", StringComparison.Ordinal));
        Assert.True(header >= 0, $"run.sh printed no operator verbs:\n{run.Output}");
        var block = lines.Skip(header + 1).SkipWhile(l => !l.StartsWith("  ", StringComparison.Ordinal)).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).ToList();
        var firstCommand = block.FindIndex(l => l.StartsWith("  dotnet ", StringComparison.Ordinal));
        Assert.True(firstCommand > 0, $"no setup lines before the verbs:\n{string.Join('\n', block)}");
        var setup = string.Join('\n', block.Take(firstCommand));
        var commands = block.Skip(firstCommand).Where(l => l.StartsWith("  dotnet ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["verify", "report", "audit"], commands.Select(c => c.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]));
        Assert.Contains(block, l => l.Contains("evict", StringComparison.Ordinal));

        var (verifyExit, verifyOutput) = await BashAsync(setup + "\n" + commands[0]);
        var (reportExit, reportOutput) = await BashAsync(setup + "\n" + commands[1]);
        var (auditExit, auditOutput) = await BashAsync(setup + "\n" + commands[2]);
        var reportWritten = File.Exists(Path.Combine(logDir, "evidence", "report.md"));
        var exit = await run.SignalAndWaitAsync("TERM", TimeSpan.FromSeconds(60));
        Directory.Delete(logDir, recursive: true);

        Assert.True(verifyExit == 0, $"verify as printed exited {verifyExit}:\n{commands[0]}\n{verifyOutput}");
        Assert.Matches(@"\b[1-9]\d* passed, 0 failed", verifyOutput);
        Assert.True(reportExit == 0 && reportWritten, $"report as printed exited {reportExit}:\n{commands[1]}\n{reportOutput}");
        Assert.True(auditExit == 0, $"audit as printed exited {auditExit}:\n{commands[2]}\n{auditOutput}");
        Assert.Matches(@"audit: [1-9]\d* event\(s\) for organization globex", auditOutput);
        Assert.Contains("\"code\":\"not_a_member\"", auditOutput, StringComparison.Ordinal); // the walkthrough's step 2
        Assert.Equal(143, exit);
    }

    /// <summary>Runs <paramref name="script"/> with bash from a directory outside the repository, without the gateway's settings in the environment.</summary>
    private static async Task<(int ExitCode, string Output)> BashAsync(string script)
    {
        var info = new ProcessStartInfo("bash")
        {
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("TenantIsolation__", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start bash");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, $"timed out after 3 min:\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static void AssertAllGone(List<(string Name, int Pid)> started, string output)
    {
        foreach (var (name, pid) in started)
        {
            Assert.False(Directory.Exists($"/proc/{pid}"), $"{name} (pid {pid}) is still running after run.sh exited:\n{output}");
        }
    }

    /// <summary>The processes run.sh started (its pids file) plus the dynalite child LocalAws reports in its log.</summary>
    private static List<(string Name, int Pid)> StartedProcessIds(string logDir)
    {
        var started = new List<(string, int)>();
        var pidsFile = Path.Combine(logDir, "pids");
        if (File.Exists(pidsFile))
        {
            foreach (var line in File.ReadAllLines(pidsFile))
            {
                var parts = line.Split(' ', 2);
                if (parts.Length == 2 && int.TryParse(parts[1], out var pid))
                {
                    started.Add((parts[0], pid));
                }
            }
        }

        var localAwsLog = Path.Combine(logDir, "localaws.log");
        var dynalite = File.Exists(localAwsLog)
            ? System.Text.RegularExpressions.Regex.Match(File.ReadAllText(localAwsLog), @"dynalite started \(pid (\d+)\)")
            : System.Text.RegularExpressions.Match.Empty;
        if (dynalite.Success)
        {
            started.Add(("dynalite", int.Parse(dynalite.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
        }

        return started;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string[] args, int[] ports, string? keepLogDir = null, Dictionary<string, string>? environment = null)
    {
        var logDir = keepLogDir ?? Directory.CreateTempSubdirectory("run-sh-test-").FullName;
        var info = new ProcessStartInfo("bash")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(RepoPaths.Combine("run.sh"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["LOCALAWS_PORT"] = ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["BACKEND_PORT"] = ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["GATEWAY_PORT"] = ports[2].ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["RUN_LOG_DIR"] = logDir;
        foreach (var (key, value) in environment ?? [])
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start bash");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"run.sh did not finish within {Timeout}:\n{await stdout}\n{await stderr}");
        }

        var output = await stdout + await stderr;
        if (keepLogDir is null)
        {
            Directory.Delete(logDir, recursive: true);
        }

        return (process.ExitCode, output);
    }

    private static async Task<bool> IsFreeWithinAsync(int port, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                probe.Stop();
                return true;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }
}
