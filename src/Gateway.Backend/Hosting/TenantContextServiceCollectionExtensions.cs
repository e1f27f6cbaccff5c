using Gateway.Backend.Context;
using Gateway.Backend.DynamoDb;
using Gateway.Envelopes;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// Extension methods live in the namespace of what they extend (ASP.NET Core convention).
#pragma warning disable IDE0130 // Namespace does not match folder structure
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers the tenant context for a backend service.</summary>
public static class TenantContextServiceCollectionExtensions
{
    /// <summary>
    /// Registers the envelope reader and its cache of verified envelopes, the scoped-credential DynamoDB client cache and a scoped
    /// <see cref="ITenantContext"/>. Options bind from the <c>TenantContext</c> configuration section, then
    /// <paramref name="configure"/> runs; they are validated at start-up (every error at once). Repeat calls are harmless.
    /// Pair with <c>app.UseTenantContext()</c>.
    /// </summary>
    public static IServiceCollection AddTenantContext(this IServiceCollection services, Action<TenantContextOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<TenantContextOptions>().BindConfiguration(TenantContextOptions.SectionName).ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TenantContextOptions>, TenantContextOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp =>
        {
            var o = sp.GetRequiredService<IOptions<TenantContextOptions>>().Value;
            var keys = o.Keys.Select(k => EnvelopeKey.FromBase64(k.KeyId, k.Key)).ToArray();
            return new TenantEnvelopeReader(keys, o.Issuer, o.Audience, sp.GetRequiredService<TimeProvider>(), o.MaxEnvelopeLifetime);
        });
        services.TryAddSingleton<VerifiedEnvelopeCache>();
        services.TryAddSingleton<TenantDynamoDbClientFactory>();
        services.TryAddScoped<TenantContextHolder>();
        services.TryAddScoped(static sp => sp.GetRequiredService<TenantContextHolder>().GetRequired());
        return services;
    }
}
