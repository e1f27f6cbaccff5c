using System.Net;
using System.Net.Sockets;
using Gateway.Testing;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// The built gateway refuses to start on an invalid configuration and lists every error; other start-up failures
/// (busy port, no AWS credentials) are one line on stderr and a non-zero exit, never a stack trace.
/// </summary>
public sealed class GatewayStartupTests
{
    [Fact]
    public async Task Start_InvalidConfiguration_FailsListingEveryError()
    {
        var port = FreePort.Next();
        var env = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Local",
            ["TenantIsolation__RoleArn"] = "",
            ["ReverseProxy__Routes__open__ClusterId"] = "applications",
            ["ReverseProxy__Routes__open__Match__Path"] = "/open/{**rest}",
            ["Shutdown__DrainDelay"] = "-00:00:01",
        };
        for (var i = 0; i < 14; i++)
        {
            var table = $"TenantTableWithAFairlyLongName{i:D2}";
            env[$"TenantIsolation__Tables__{table}__PartitionKey"] = "organizationId";
            env[$"TenantIsolation__Tables__{table}__PartiQL"] = "true";
            env[$"TenantIsolation__PermissionSets__everything__Tables__{table}"] = "ReadWrite";
        }

        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var gateway = await ProcessHost.StartDotnetAsync(
                Built.Dll("src/Gateway", "Gateway"), ["--urls", $"http://127.0.0.1:{port}"], env, RepoPaths.Root, null,
                new Uri($"http://127.0.0.1:{port}/healthz"), TimeSpan.FromSeconds(30));
        });

        Assert.Contains("Gateway configuration is invalid", error.Message, StringComparison.Ordinal);
        Assert.Contains("TenantIsolation:RoleArn is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("ReverseProxy:Routes:open:AuthorizationPolicy is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("permission set 'everything'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Shutdown:DrainDelay must be between 00:00:00 and 00:05:00 (was -00:00:01)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Production", true)]
    [InlineData("Local", false)]
    public async Task Start_PublishedDevelopmentEnvelopeKey_RefusedOutsideDevelopmentAndLocal(string environment, bool refused)
    {
        // The shipped Local configuration (envelope key local-1) with the environment set as a deployment would set it.
        var port = FreePort.Next();
        var env = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = environment,
            ["Authentication__Authority"] = "http://127.0.0.1:9",
            ["Authentication__AllowHttpAuthority"] = "true",
            ["TenantIsolation__RoleArn"] = "arn:aws:iam::000000000000:role/TenantDataAccess",
            ["TenantIsolation__Envelopes__applications__Current__KeyId"] = "prod-1", // another key id does not help
            ["TenantIsolation__Envelopes__applications__Current__Key"] = TestOptions.LocalKey,
        };

        var start = async () =>
        {
            await using var gateway = await ProcessHost.StartDotnetAsync(
                Built.Dll("src/Gateway", "Gateway"), ["--urls", $"http://127.0.0.1:{port}"], env, RepoPaths.Root, null,
                new Uri($"http://127.0.0.1:{port}/healthz"), TimeSpan.FromSeconds(30));
        };

        if (refused)
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(start);
            Assert.Contains("Gateway configuration is invalid", error.Message, StringComparison.Ordinal);
            Assert.Contains("TenantIsolation:Envelopes:applications:Current:Key is a published development key", error.Message, StringComparison.Ordinal);
        }
        else
        {
            await start();
        }
    }

    [Fact]
    public async Task Start_PortAlreadyInUse_ExitsOneWithOneLineNamingTheAddress()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)squatter.LocalEndpoint).Port}";

        var run = await ProcessHost.RunDotnetAsync(
            [Built.Dll("src/Gateway", "Gateway"), "--urls", url], new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Local" },
            RepoPaths.Root, TimeSpan.FromSeconds(60));

        Assert.True(run.ExitCode == 1, run.ToString());
        AssertOneClearLine(run, $"Gateway cannot start: Failed to bind to address {url}: address already in use");
    }

    [Fact]
    public async Task Start_NoAwsCredentialsOutsideLocal_ExitsOneWithOneLine()
    {
        var home = Directory.CreateTempSubdirectory("gateway-no-aws-");
        try
        {
            var port = FreePort.Next();
            var env = new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Authentication__Authority"] = "https://issuer.example.com",
                ["TenantIsolation__RoleArn"] = "arn:aws:iam::123456789012:role/TenantDataAccess",
                ["TenantIsolation__Envelopes__applications__Current__KeyId"] = "k1",
                ["TenantIsolation__Envelopes__applications__Current__Key"] = Convert.ToBase64String(new byte[64]),
                ["ReverseProxy__Clusters__applications__Destinations__d1__Address"] = "http://127.0.0.1:9/",
                // An empty default AWS credential chain: no keys, no profile, no web identity, no container or instance role.
                ["HOME"] = home.FullName,
                ["AWS_CONFIG_FILE"] = Path.Combine(home.FullName, "config"),
                ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(home.FullName, "credentials"),
                ["AWS_EC2_METADATA_DISABLED"] = "true",
            };
            foreach (var name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI" })
            {
                env[name] = null;
            }

            var run = await ProcessHost.RunDotnetAsync(
                [Built.Dll("src/Gateway", "Gateway"), "--urls", $"http://127.0.0.1:{port}"], env, RepoPaths.Root, TimeSpan.FromSeconds(90));

            Assert.True(run.ExitCode == 1, run.ToString());
            AssertOneClearLine(run, "Gateway cannot start: no AWS credentials for the gateway's own identity: the default AWS credential chain");
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("Verbose", true)]
    [InlineData("warning", false)]
    public async Task Start_LogLevelThatIsNotOne_ExitsOneWithOneLineNamingTheKey(string level, bool refused)
    {
        // The logger factory reads the levels while the host is built, before the gateway's own checks run; a value
        // that is not a LogLevel (Serilog's "Verbose") threw out of Main with a stack trace and exit code 134.
        var port = FreePort.Next();
        var env = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Local",
            ["Logging__LogLevel__Default"] = level,
        };

        if (refused)
        {
            var run = await ProcessHost.RunDotnetAsync(
                [Built.Dll("src/Gateway", "Gateway"), "--urls", $"http://127.0.0.1:{port}"], env, RepoPaths.Root, TimeSpan.FromSeconds(60));

            Assert.True(run.ExitCode == 1, run.ToString());
            AssertOneClearLine(run, "Gateway cannot start: Logging:LogLevel:Default is 'Verbose', not a log level (Trace, Debug, Information, Warning, Error, Critical or None).");
        }
        else
        {
            await using var gateway = await ProcessHost.StartDotnetAsync(
                Built.Dll("src/Gateway", "Gateway"), ["--urls", $"http://127.0.0.1:{port}"], env, RepoPaths.Root, null,
                new Uri($"http://127.0.0.1:{port}/healthz"), TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task Start_ConfigurationFileNotJson_ExitsOneWithOneLineNamingTheFile()
    {
        // The allow twin is every other start in this class: the same binary on the repository's well-formed files.
        var root = Directory.CreateTempSubdirectory("gateway-bad-json-");
        try
        {
            var file = Path.Combine(root.FullName, "appsettings.json");
            await File.WriteAllTextAsync(file, "{ \"Logging\": { \"LogLevel\": { \"Default\": \"Warning\" }\n");

            var run = await ProcessHost.RunDotnetAsync(
                [Built.Dll("src/Gateway", "Gateway"), "--urls", $"http://127.0.0.1:{FreePort.Next()}"],
                new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Local" }, root.FullName, TimeSpan.FromSeconds(60));

            Assert.True(run.ExitCode == 1, run.ToString());
            AssertOneClearLine(run, $"Gateway cannot start: Failed to load configuration from file '{file}': Could not parse the JSON file: ");
            Assert.DoesNotContain("Warning", run.StandardError, StringComparison.Ordinal); // the file's text is not echoed
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static void AssertOneClearLine(ProcessRun run, string expectedStart)
    {
        Assert.True(run.ErrorLines.Count == 1, $"stderr is not one line: {run}");
        Assert.StartsWith(expectedStart, run.ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
    }
}
