using System.Globalization;
using System.Security.Cryptography;
using Gateway.Envelopes;
using Gateway.Testing;

namespace Applications.Api.Tests;

/// <summary>
/// The built sample started as a deployment would start it: outside Development/Local it needs a secret envelope key,
/// and a missing or invalid TenantContext configuration ends the process with exit code 1 and one line on stderr.
/// </summary>
public sealed class ApplicationsApiStartupTests
{
    private const string PublishedDevelopmentKey = DevelopmentEnvelopeKeys.LocalKeyBase64;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Start_ProductionWithoutKey_ExitsNonZeroWithOneClearLine()
    {
        var result = await RunAsync(new() { ["ASPNETCORE_ENVIRONMENT"] = "Production" });

        AssertRefused(result, "TenantContext:Keys must hold at least one key");
    }

    [Fact]
    public async Task Start_ProductionWithSecretKey_Serves()
    {
        await using var api = await StartAsync(new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["TenantContext__Keys__0__KeyId"] = "prod-1",
            ["TenantContext__Keys__0__Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)),
        });

        Assert.False(api.HasExited);
    }

    [Fact]
    public async Task Start_ProductionWithPublishedDevelopmentKey_Refused()
    {
        var result = await RunAsync(new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["TenantContext__Keys__0__KeyId"] = "prod-1", // another key id does not help: keys are compared by their bytes
            ["TenantContext__Keys__0__Key"] = PublishedDevelopmentKey,
        });

        AssertRefused(result, "TenantContext:Keys:0:Key is a published development key");
        Assert.DoesNotContain(PublishedDevelopmentKey, result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_LocalEnvironment_ServesWithTheDevelopmentKeyFromAppsettingsLocal()
    {
        await using var api = await StartAsync(new() { ["ASPNETCORE_ENVIRONMENT"] = "Local" });

        Assert.False(api.HasExited);
    }

    [Theory]
    [InlineData("TenantContext__Audience", "", "TenantContext:Audience is required")]
    [InlineData("TenantContext__RejectionStatusCode", "500", "TenantContext:RejectionStatusCode must be 401 or 403")]
    [InlineData("TenantContext__MaxEnvelopeLifetime", "not-a-duration", "TenantContext:MaxEnvelopeLifetime")]
    [InlineData("TenantContext__Keys__0__Key", "dG9vLXNob3J0", "TenantContext:Keys:0:Key must be the base64 of exactly 64 bytes")]
    public async Task Start_InvalidTenantContext_ExitsNonZeroWithOneLineNamingTheKey(string variable, string value, string expected)
    {
        var result = await RunAsync(new() { ["ASPNETCORE_ENVIRONMENT"] = "Local", [variable] = value });

        AssertRefused(result, expected);
    }

    private static void AssertRefused(ProcessRun result, string expected)
    {
        Assert.Equal(1, result.ExitCode); // not 134 (an abort on an unhandled exception)
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("Applications.Api cannot start: TenantContext configuration is invalid: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    private static Task<ProcessRun> RunAsync(Dictionary<string, string?> env) =>
        ProcessHost.RunDotnetAsync([Dll, "--urls", Url(FreePort.Next())], env, RepoPaths.Root, Timeout);

    private static Task<ProcessHost> StartAsync(Dictionary<string, string?> env)
    {
        var url = Url(FreePort.Next());
        return ProcessHost.StartDotnetAsync(Dll, ["--urls", url], env, RepoPaths.Root, null, new Uri(url + "/healthz"), Timeout);
    }

    private static string Dll => Built.Dll("samples/Applications.Api", "Applications.Api");

    private static string Url(int port) => "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
}
