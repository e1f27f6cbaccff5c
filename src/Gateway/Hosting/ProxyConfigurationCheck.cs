using Gateway.Isolation.Configuration;
using Gateway.Routing;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Hosting;

/// <summary>
/// The host's part of <see cref="GatewayConfiguration.ValidateAll(IServiceProvider)"/>: every YARP route and cluster
/// through YARP's own load-time validation (which applies the gateway's route rules) and the rules across routes, so
/// that start-up lists them with every options error instead of YARP failing on the first.
/// </summary>
internal sealed class ProxyConfigurationCheck : GatewayConfigurationCheck
{
    public override string Name => "ReverseProxy";

    public override void Collect(IServiceProvider services, ICollection<string> failures)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(failures);
        IConfigValidator validator;
        try
        {
            validator = services.GetRequiredService<IConfigValidator>();
        }
        catch (Exception ex) when (ex is Microsoft.Extensions.Options.OptionsValidationException or InvalidOperationException)
        {
            return; // the transform provider needs valid forwarding/envelope options: their errors are listed already
        }

        foreach (var provider in services.GetServices<IProxyConfigProvider>())
        {
            var config = provider.GetConfig();
            foreach (var route in config.Routes)
            {
                // YARP's validator completes synchronously with the default authorization/CORS policy providers; the
                // host's start-up (a console app, no synchronization context) may wait for it.
                Add(failures, validator.ValidateRouteAsync(route).AsTask().GetAwaiter().GetResult());
            }

            var acrossRoutes = new List<Exception>();
            TenantRouteRules.ValidateAcrossRoutes(config.Routes, acrossRoutes);
            Add(failures, acrossRoutes);

            foreach (var cluster in config.Clusters)
            {
                Add(failures, validator.ValidateClusterAsync(cluster).AsTask().GetAwaiter().GetResult());
            }
        }
    }

    private static void Add(ICollection<string> failures, IEnumerable<Exception> errors)
    {
        foreach (var error in errors)
        {
            failures.Add(error.Message);
        }
    }
}
