using Gateway.Isolation.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers what <see cref="GatewayConfiguration.ValidateAll(IServiceProvider)"/> checks.</summary>
public static class GatewayConfigurationServiceCollectionExtensions
{
    /// <summary>Adds <typeparamref name="TOptions"/> to the sections checked at start-up and by the operator verbs; repeat calls are harmless.</summary>
    public static IServiceCollection AddGatewayConfigurationCheck<TOptions>(this IServiceCollection services)
        where TOptions : class
        => services.AddGatewayConfigurationCheck(GatewayConfigurationCheck.For<TOptions>());

    /// <summary>Adds <paramref name="check"/> unless a check of the same <see cref="GatewayConfigurationCheck.Name"/> is registered.</summary>
    public static IServiceCollection AddGatewayConfigurationCheck(this IServiceCollection services, GatewayConfigurationCheck check)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(check);
        if (!services.Any(d => d.ServiceType == typeof(GatewayConfigurationCheck) && d.ImplementationInstance is GatewayConfigurationCheck existing && existing.Name == check.Name))
        {
            services.AddSingleton(check);
        }

        return services;
    }
}
