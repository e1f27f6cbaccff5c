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
}
