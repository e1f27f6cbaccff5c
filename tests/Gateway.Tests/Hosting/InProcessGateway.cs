using Gateway.Hosting;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The gateway's real service registration and pipeline (shipped appsettings + Local) hosted in the test process on a
/// free loopback port, with its log captured. Nothing behind it is contacted unless a request gets past authentication.
/// </summary>
internal sealed class InProcessGateway : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessGateway(WebApplication app, CapturingLoggerProvider logs, int port)
    {
        _app = app;
        Logs = logs;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(20) };
    }

    public CapturingLoggerProvider Logs { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The application's builder properties (what the pipeline set up).</summary>
    public IDictionary<string, object?> Properties => ((IApplicationBuilder)_app).Properties;

    /// <summary>Starts the gateway; <paramref name="settings"/> override the shipped configuration (e.g. <c>TenantIsolation:Verification:Interval</c>).</summary>
    public static async Task<InProcessGateway> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = RepoPaths.Root, EnvironmentName = "Local" });
        // No drain when the test disposes it (GracefulShutdownTests covers the drain with a real process).
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Shutdown:DrainDelay"] = "00:00:00" });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Information);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Host.ValidateServicesInEveryEnvironment(); // as Program does
        builder.Services.AddTenantGateway(builder.Configuration);
        var app = builder.Build();
        app.UseTenantGateway();
        await app.StartAsync();
        return new InProcessGateway(app, logs, port);
    }

    public async Task<string> ScrapeAsync()
    {
        using var response = await Client.GetAsync("metrics");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
