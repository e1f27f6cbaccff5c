using Gateway.Auditing;
using Gateway.Cli;
using Gateway.Configuration;
using Gateway.Hosting;
using Gateway.Isolation;
using Gateway.Isolation.Configuration;

namespace Gateway;

internal static class Program
{
    public static Task<int> Main(string[] args)
        => OperatorVerbs.RunAsync(args, VerbHost(Directory.GetCurrentDirectory()), ServeAsync, Console.Out, Console.Error);

    /// <summary>What the operator verbs need from this host: its settings sections (validated as at start-up, published keys aside) and its audit log's names.</summary>
    internal static VerbHost VerbHost(string contentRoot)
        => new(contentRoot, (services, configuration) => services.AddGatewayForwardingOptions(configuration, checkPublishedKeys: false).AddGatewayShutdownOptions(configuration), AuditLogger.CategoryName, AuditEvent.OrganizationId);

    /// <summary>Starts the gateway with the host's arguments (<c>--urls</c>, <c>--Section:Key=value</c>) and serves until stopped.</summary>
    private static async Task<int> ServeAsync(string[] args)
    {
        // A start-up failure is reported as one line; the host's own "Hosting failed to start" error (with the stack
        // trace) would only repeat it. Once started, the host logs as configured.
        var started = false;
        await using var app = Build(args, () => started);
        if (app is null)
        {
            return StartupFailure.ExitCode;
        }

        try
        {
            // Envelope keys stored as SSM parameters are read first, so that validation checks them like any other key.
            await app.Services.GetRequiredService<EnvelopeKeyParameterResolver>().ResolveAsync(CancellationToken.None);
        }
        catch (GatewayStartupException ex)
        {
            await Console.Error.WriteLineAsync(StartupFailure.Describe(ex));
            return StartupFailure.ExitCode;
        }

        var failures = GatewayConfiguration.ValidateAll(app.Services);
        if (failures.Count > 0)
        {
            await Console.Error.WriteLineAsync($"Gateway configuration is invalid ({failures.Count} error(s)):");
            foreach (var failure in failures)
            {
                await Console.Error.WriteLineAsync($"  - {failure}");
            }

            return 1;
        }

        try
        {
            app.UseTenantGateway();
            await app.StartAsync();
            started = true;
        }
        catch (InvalidOperationException ex) when (ex.InnerException is AggregateException inner)
        {
            // YARP rejects invalid routes/clusters at config load; list every error.
            await Console.Error.WriteLineAsync($"Gateway configuration is invalid: {ex.Message}");
            foreach (var error in inner.InnerExceptions)
            {
                await Console.Error.WriteLineAsync($"  - {error.Message}");
            }

            return 1;
        }
        catch (Exception ex) when (ex is GatewayStartupException or IOException or InvalidOperationException)
        {
            // Busy port, no AWS credentials…: one line, no stack trace.
            await Console.Error.WriteLineAsync(StartupFailure.Describe(ex));
            return StartupFailure.ExitCode;
        }

        await app.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>
    /// The configured, built host; or null, after one line on stderr, when it cannot be built: a configuration file that
    /// is not JSON, a log level that is not one, a service the provider's validation rejects (<see cref="ServiceValidation"/>).
    /// </summary>
    private static WebApplication? Build(string[] args, Func<bool> started)
    {
        try
        {
            var builder = WebApplication.CreateBuilder(args);
            // The host's default sources replaced by the list every verb and Gateway.Migration load (GatewayConfiguration:
            // the same sources in the same order, pinned by GatewayConfigurationHostTests), for the environment and content
            // root the host settled on; the web host's own settings (hosting startup, application name) stay last.
            var reloadOnChange = builder.Configuration.GetValue("hostBuilder:reloadConfigOnChange", defaultValue: true);
            var webHostSettings = builder.Configuration.Sources.OfType<ChainedConfigurationSource>().ToList();
            builder.Configuration.Sources.Clear();
            GatewayConfiguration.AddSources(builder.Configuration, builder.Environment.EnvironmentName, builder.Environment.ContentRootPath, args, reloadOnChange);
            webHostSettings.ForEach(builder.Configuration.Sources.Add);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => level >= LogLevel.Information && (started() || level < LogLevel.Error));
            LogLevelSettings.Check(builder.Configuration);
            builder.Host.ValidateServicesInEveryEnvironment();
            builder.Services.AddTenantGateway(builder.Configuration);
            return builder.Build();
        }
        catch (Exception ex) when (StartupFailure.IsHostBuildFailure(ex))
        {
            Console.Error.WriteLine(StartupFailure.Describe(ex));
            return null;
        }
    }
}
