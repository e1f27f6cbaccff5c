using Gateway.Auditing;
using Gateway.Authentication;
using Gateway.Configuration;
using Gateway.Isolation.Configuration;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Hosting;

/// <summary>
/// Validates every options class and every YARP route and cluster (YARP's own load-time validation, which applies the
/// gateway's route rules) before the host starts, and collects all failures into one list.
/// </summary>
internal static class StartupValidation
{
    public static async Task<IReadOnlyList<string>> CollectAsync(IServiceProvider services)
    {
        var failures = new List<string>();
        Check<GatewayAuthenticationOptions>(services, failures);
        Check<TenantIsolationOptions>(services, failures);
        Check<ForwardingOptions>(services, failures);
        Check<EnvelopeOptions>(services, failures);
        Check<AuditOptions>(services, failures);
        await CheckProxyAsync(services, failures);
        return failures;
    }

    private static void Check<T>(IServiceProvider services, List<string> failures)
        where T : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<T>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            failures.AddRange(ex.Failures);
        }
        catch (InvalidOperationException ex)
        {
            // Binding errors (e.g. "abc" for a TimeSpan) name the key in the message.
            failures.Add(ex.Message);
        }
    }

    private static async Task CheckProxyAsync(IServiceProvider services, List<string> failures)
    {
        IConfigValidator validator;
        try
        {
            validator = services.GetRequiredService<IConfigValidator>();
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            return; // the transform provider needs valid forwarding/envelope options: their errors are listed already
        }

        foreach (var provider in services.GetServices<IProxyConfigProvider>())
        {
            var config = provider.GetConfig();
            foreach (var route in config.Routes)
            {
                failures.AddRange((await validator.ValidateRouteAsync(route)).Select(e => e.Message));
            }

            var acrossRoutes = new List<Exception>();
            Routing.TenantRouteRules.ValidateAcrossRoutes(config.Routes, acrossRoutes);
            failures.AddRange(acrossRoutes.Select(e => e.Message));

            foreach (var cluster in config.Clusters)
            {
                failures.AddRange((await validator.ValidateClusterAsync(cluster)).Select(e => e.Message));
            }
        }
    }
}
