using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Configuration;

/// <summary>
/// One part of the configuration that <see cref="GatewayConfiguration.ValidateAll(IServiceProvider)"/> checks: an
/// options section (<see cref="For{TOptions}"/>) or a host-specific rule set (YARP's routes and clusters).
/// Registered with <c>AddGatewayConfigurationCheck</c>.
/// </summary>
public abstract class GatewayConfigurationCheck
{
    /// <summary>What the check is about (the options type's name, "ReverseProxy"…): registering it twice adds it once.</summary>
    public abstract string Name { get; }

    /// <summary>Adds every error found, each naming its key, to <paramref name="failures"/>.</summary>
    public abstract void Collect(IServiceProvider services, ICollection<string> failures);

    /// <summary>Binds and validates <typeparamref name="TOptions"/> (its <c>IValidateOptions</c> report every error at once).</summary>
    public static GatewayConfigurationCheck For<TOptions>()
        where TOptions : class
        => new OptionsCheck<TOptions>();

    private sealed class OptionsCheck<TOptions> : GatewayConfigurationCheck
        where TOptions : class
    {
        public override string Name => typeof(TOptions).FullName!;

        public override void Collect(IServiceProvider services, ICollection<string> failures)
        {
            ArgumentNullException.ThrowIfNull(services);
            ArgumentNullException.ThrowIfNull(failures);
            try
            {
                _ = services.GetRequiredService<IOptions<TOptions>>().Value;
            }
            catch (OptionsValidationException ex)
            {
                foreach (var failure in ex.Failures)
                {
                    failures.Add(failure);
                }
            }
            catch (InvalidOperationException ex)
            {
                // Binding errors (e.g. "abc" for a TimeSpan) name the key in the message.
                failures.Add(ex.Message);
            }
        }
    }
}
