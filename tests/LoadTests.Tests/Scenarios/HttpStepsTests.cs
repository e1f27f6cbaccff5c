using System.Net;
using Gateway.Testing;
using LoadTests.Engine;
using LoadTests.Scenarios;
using LoadTests.Stats;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LoadTests.Tests.Scenarios;

/// <summary>
/// The load tests tell the backend's verdicts apart over HTTP: <c>tenant_context_missing</c>/<c>_invalid</c> (no valid
/// envelope reached the backend) is an unscoped forward — a leak; <c>tenant_credentials_rejected</c> with
/// <c>X-Tenant-Credentials-Rejected: 1</c> (the data store refused a genuine envelope's credentials, e.g. LocalAws
/// restarted) is counted as <c>rejectedCredentials</c> — an outage, never as a leak.
/// </summary>
public sealed class HttpStepsTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private Uri _url = null!;

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        _app = builder.Build();
        // What Gateway.Backend answers (docs/backend.md), as the gateway passes it through.
        _app.MapGet("/rejected", (HttpContext context) =>
        {
            context.Response.Headers["X-Tenant-Credentials-Rejected"] = "1";
            context.Response.Headers.RetryAfter = "1";
            return Results.Problem(statusCode: 503, extensions: new Dictionary<string, object?> { ["code"] = "tenant_credentials_rejected", ["requestId"] = "r1" });
        });
        _app.MapGet("/invalid", () => Results.Problem(statusCode: 401, extensions: new Dictionary<string, object?> { ["code"] = "tenant_context_invalid", ["requestId"] = "r2" }));
        _app.MapGet("/missing", () => Results.Problem(statusCode: 401, extensions: new Dictionary<string, object?> { ["code"] = "tenant_context_missing", ["requestId"] = "r3" }));
        _app.MapGet("/unavailable", (HttpContext context) =>
        {
            context.Response.Headers.RetryAfter = "1";
            return Results.Problem(statusCode: 503, extensions: new Dictionary<string, object?> { ["code"] = "data_store_unavailable", ["requestId"] = "r4" });
        });
        _app.MapGet("/ok", () => "[]");
        await _app.StartAsync();
        _url = new Uri($"http://127.0.0.1:{port}/");
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("/rejected", 0, 1)]
    [InlineData("/invalid", 1, 0)]
    [InlineData("/missing", 1, 0)]
    [InlineData("/unavailable", 0, 0)]
    [InlineData("/ok", 0, 0)]
    public async Task CountTenantContext_TellsRejectedCredentialsApartFromUnscopedForwards(string path, long unscoped, long rejected)
    {
        using var client = new HttpClient();
        var stats = new StatsCollector(0);
        var context = new ScenarioContext(stats, 0, -1, 0, TimeSpan.FromSeconds(5), CancellationToken.None);

        var outcome = await HttpSteps.SendAsync(client, HttpSteps.Get(_url, path), CancellationToken.None);
        HttpSteps.CountTenantContext(context, outcome);

        var counters = stats.SnapshotCounters();
        Assert.Equal(unscoped, counters.GetValueOrDefault("unscoped"));
        Assert.Equal(rejected, counters.GetValueOrDefault("rejectedCredentials"));
        Assert.Equal(unscoped == 1, outcome.IsUnscopedForward);
        Assert.Equal(rejected == 1, outcome.IsRejectedCredentials);
    }

    [Fact]
    public void RejectedCredentialsHeader_NeverMasksAnUnscopedForward()
    {
        var outcome = new HttpOutcome(401, "tenant_context_invalid", false, null, 0, CredentialsRejectedHeader: true);

        Assert.True(outcome.IsUnscopedForward);
        Assert.False(outcome.IsRejectedCredentials);
    }
}
