using Gateway.Envelopes.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Backend.Tests.Context;

/// <summary>An in-memory ASP.NET Core app with AddTenantContext/UseTenantContext and a fake clock and logger.</summary>
internal sealed class TenantContextTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TenantContextTestHost(WebApplication app, FakeTimeProvider clock)
    {
        _app = app;
        Clock = clock;
        Client = app.GetTestClient();
        Logs = app.Services.GetRequiredService<FakeLogCollector>();
    }

    public HttpClient Client { get; }

    public FakeTimeProvider Clock { get; }

    public FakeLogCollector Logs { get; }

    public IServiceProvider Services => _app.Services;

    public static Dictionary<string, string?> DefaultConfiguration() => new()
    {
        ["TenantContext:Audience"] = EnvelopeTestData.Audience,
        ["TenantContext:Keys:0:KeyId"] = "local-1",
        ["TenantContext:Keys:0:Key"] = EnvelopeTestData.LocalKeyBase64,
        ["TenantContext:DynamoDb:ServiceUrl"] = "http://127.0.0.1:9",
    };

    /// <summary>Starts the app; <paramref name="environment"/> defaults to Local, where the published development key is accepted.</summary>
    public static async Task<TenantContextTestHost> StartAsync(
        Action<WebApplication> map, Dictionary<string, string?>? configuration = null, string environment = "Local")
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(configuration ?? DefaultConfiguration());
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddFakeLogging();
        var clock = EnvelopeTestData.Clock();
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddTenantContext();
        var app = builder.Build();
        app.UseTenantContext();
        map(app);
        await app.StartAsync();
        return new TenantContextTestHost(app, clock);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
