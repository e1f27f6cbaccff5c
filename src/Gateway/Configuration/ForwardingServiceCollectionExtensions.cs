using Gateway.Configuration;
using Gateway.Isolation.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the web host's own parts of <c>TenantIsolation</c>: <c>:Forwarding</c> and <c>:Envelopes</c>, validated on
/// start. Envelope keys configured as SSM parameters are filled in from <see cref="EnvelopeKeyParameters"/>, which the
/// gateway host's <see cref="EnvelopeKeyParameterResolver"/> reads before validation.
/// </summary>
internal static class ForwardingServiceCollectionExtensions
{
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration holding <c>TenantIsolation:Forwarding</c> and <c>TenantIsolation:Envelopes</c>.</param>
    /// <param name="checkPublishedKeys">False where no envelope is ever sealed (the <c>policy</c> command): the
    /// published-development-key rule, which depends on the host environment, is not applied.</param>
    public static IServiceCollection AddGatewayForwardingOptions(this IServiceCollection services, IConfiguration configuration, bool checkPublishedKeys = true)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ForwardingOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<ForwardingOptions>, ForwardingOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ForwardingOptions>, ForwardingOptionsValidator>());
        services.AddOptions<EnvelopeOptions>().Configure(o => configuration.GetSection(EnvelopeOptions.SectionName).Bind(o.Clusters)).ValidateOnStart();
        // Envelope keys reload when EnvelopeKeyParameters signals (the gateway host's EnvelopeKeyParameterRefresher does on
        // a configuration change, after reading the SSM parameters then configured, and when a parameter's value
        // changed); an invalid change is refused (one error line naming the key) and the last valid keys stay in force.
        services.TryAddSingleton<IOptionsMonitor<EnvelopeOptions>, LastGoodOptionsMonitor<EnvelopeOptions>>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EnvelopeOptions>, EnvelopeOptionsValidator>(
            sp => new EnvelopeOptionsValidator(checkPublishedKeys ? sp.GetService<IHostEnvironment>() : null)));
        services.TryAddSingleton<EnvelopeKeyParameters>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOptionsChangeTokenSource<EnvelopeOptions>, EnvelopeKeyParameterChangeTokenSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<EnvelopeOptions>, EnvelopeKeyParameterPostConfigure>());
        services.AddGatewayConfigurationCheck<ForwardingOptions>();
        services.AddGatewayConfigurationCheck<EnvelopeOptions>();
        return services;
    }
}
