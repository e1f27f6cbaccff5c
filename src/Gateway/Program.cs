using Gateway.Cli;
using Gateway.Configuration;
using Gateway.Hosting;
using Gateway.Isolation;

namespace Gateway;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && string.Equals(args[0], "policy", StringComparison.Ordinal))
        {
            return PolicyCommand.Run(args[1..], Directory.GetCurrentDirectory(), Console.Out, Console.Error);
        }

        if (args.Length > 0 && string.Equals(args[0], "verify", StringComparison.Ordinal))
        {
            return await VerifyCommand.RunAsync(args[1..], Directory.GetCurrentDirectory(), Console.Out, Console.Error);
        }

        if (args.Length > 0 && string.Equals(args[0], "evict", StringComparison.Ordinal))
        {
            return await EvictCommand.RunAsync(args[1..], Directory.GetCurrentDirectory(), Console.Out, Console.Error);
        }

        if (args.Length > 0 && string.Equals(args[0], "report", StringComparison.Ordinal))
        {
            return ReportCommand.Run(args[1..], Directory.GetCurrentDirectory(), TimeProvider.System, Console.Out, Console.Error);
        }

        if (args.Length > 0 && string.Equals(args[0], "audit", StringComparison.Ordinal))
        {
            return AuditCommand.Run(args[1..], Console.Out, Console.Error);
        }

        var builder = WebApplication.CreateBuilder(args);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        // A start-up failure is reported below as one line; the host's own "Hosting failed to start" error (with the
        // stack trace) would only repeat it. Once started, the host logs as configured.
        var started = false;
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => level >= LogLevel.Information && (started || level < LogLevel.Error));
        builder.Services.AddTenantGateway(builder.Configuration);
        await using var app = builder.Build();

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

        var failures = await StartupValidation.CollectAsync(app.Services);
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
}
