using Gateway.Isolation.Configuration;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Hosting;

/// <summary>Start-up lists every configuration error at once: every options section and YARP's route validation (the gateway's route rules).</summary>
public sealed class StartupValidationTests
{
    private static async Task<IReadOnlyList<string>> CollectAsync(Dictionary<string, string?> overrides)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = RepoPaths.Root, EnvironmentName = "Local" });
        foreach (var (key, value) in overrides)
        {
            builder.Configuration[key] = value;
        }

        builder.Services.AddTenantGateway(builder.Configuration);
        await using var app = builder.Build();
        return GatewayConfiguration.ValidateAll(app.Services);
    }

    [Fact]
    public async Task CollectAsync_ShippedLocalConfiguration_NoFailures() => Assert.Empty(await CollectAsync([]));

    [Fact]
    public async Task CollectAsync_ManyProblems_ReportsEveryErrorAtOnce()
    {
        var failures = await CollectAsync(new()
        {
            ["TenantIsolation:RoleArn"] = "",
            ["TenantIsolation:CredentialLifetime"] = "00:05:00",
            ["TenantIsolation:Roles:BILLING"] = "no-such-set",
            ["TenantIsolation:Membership:PositiveTtl"] = "00:05:00",
            ["TenantIsolation:Envelopes:applications:Current:Key"] = "c2hvcnQ=",
            ["TenantIsolation:Forwarding:StripHeaders:0"] = "X Bad",
            ["ReverseProxy:Routes:open:ClusterId"] = "applications",
            ["ReverseProxy:Routes:open:Match:Path"] = "/open/{**rest}",
            ["ReverseProxy:Routes:lost:ClusterId"] = "nowhere",
            ["ReverseProxy:Routes:lost:AuthorizationPolicy"] = "tenant",
            ["ReverseProxy:Routes:lost:Match:Path"] = "/lost/{**rest}",
        });

        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:RoleArn is required", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:CredentialLifetime", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:Roles:BILLING", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:Membership:PositiveTtl", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:Envelopes:applications:Current:Key must decode to exactly 64 bytes", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:Forwarding:StripHeaders:0", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("ReverseProxy:Routes:open:AuthorizationPolicy is required", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("ReverseProxy:Routes:lost:ClusterId 'nowhere' is not defined", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CollectAsync_IsolatedRoutesToOneClusterDisagreeAboutLegacyCluster_Listed()
    {
        var failures = await CollectAsync(new()
        {
            ["ReverseProxy:Clusters:legacy:Destinations:d1:Address"] = "http://127.0.0.1:5200/",
            ["ReverseProxy:Routes:api:Metadata:TenantIsolation.LegacyCluster"] = "legacy",
            ["TenantIsolation:RoleArn"] = "",
        });

        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:RoleArn is required", StringComparison.Ordinal));
        var disagreement = Assert.Single(failures, f => f.StartsWith("ReverseProxy:Routes: the tenant-isolated routes to cluster 'applications' disagree about Metadata:TenantIsolation.LegacyCluster", StringComparison.Ordinal));
        Assert.Contains("'legacy' on api", disagreement, StringComparison.Ordinal);
        Assert.Contains("none on orgs", disagreement, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_IsolatedRoutesToOneClusterAgreeAboutLegacyCluster_NoFailures()
        => Assert.Empty(await CollectAsync(new()
        {
            ["ReverseProxy:Clusters:legacy:Destinations:d1:Address"] = "http://127.0.0.1:5200/",
            ["ReverseProxy:Routes:api:Metadata:TenantIsolation.LegacyCluster"] = "legacy",
            ["ReverseProxy:Routes:orgs:Metadata:TenantIsolation.LegacyCluster"] = "legacy",
        }));
}
