using Gateway.Testing;

namespace Gateway.Tests.EndToEnd;

/// <summary>The built gateway refuses to start on an invalid configuration and lists every error.</summary>
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
}
