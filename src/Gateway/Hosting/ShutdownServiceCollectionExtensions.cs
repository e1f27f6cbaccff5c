using Gateway.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>Shutdown</c> section (<see cref="ShutdownOptions"/>), validated at start-up and by the operator verbs.</summary>
internal static class ShutdownServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayShutdownOptions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ShutdownOptions>().BindConfiguration(ShutdownOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ShutdownOptions>, ShutdownOptionsValidator>());
        services.AddGatewayConfigurationCheck<ShutdownOptions>();
        // The host's shutdown timeout covers the drain and the in-flight timeout. Read from the configuration as bound,
        // without validation: the host reads HostOptions when it is built, before GatewayConfiguration.ValidateAll lists
        // an invalid value (and refuses to start).
        services.AddOptions<HostOptions>().Configure(host =>
        {
            var shutdown = new ShutdownOptions();
            try
            {
                configuration.GetSection(ShutdownOptions.SectionName).Bind(shutdown);
            }
            catch (InvalidOperationException)
            {
                return; // "abc" for a duration: reported by ValidateAll.
            }

            if (new ShutdownOptionsValidator().Validate(null, shutdown).Succeeded)
            {
                host.ShutdownTimeout = shutdown.DrainDelay + shutdown.Timeout;
            }
        });
        return services;
    }
}
