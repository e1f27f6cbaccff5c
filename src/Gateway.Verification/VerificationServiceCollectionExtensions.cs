using Amazon.DynamoDBv2;
using Amazon.SecurityToken;
using Gateway.Isolation.Aws;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Permissions;
using Gateway.Verification;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers isolation verification over the engine: the <see cref="VerificationRunner"/> and continuous verification.</summary>
public static class VerificationServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="VerificationRunner"/> (the <c>verify</c> plan, with the engine's credential issuer and AWS
    /// clients) and continuous verification (<c>TenantIsolation:Verification:Interval</c>; does nothing when the
    /// interval is unset). Requires <c>AddTenantIsolation</c>; repeat calls are harmless.
    /// </summary>
    public static IServiceCollection AddTenantVerification(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(sp => new VerificationRunner(
            sp.GetRequiredService<ICredentialIssuer>(),
            sp.GetRequiredService<IAmazonSecurityTokenService>(),
            sp.GetRequiredService<IAmazonDynamoDB>(),
            sp.GetRequiredService<IOptions<TenantIsolationOptions>>().Value,
            sp.GetRequiredService<PermissionSetCatalog>(),
            new IamClient(sp.GetRequiredService<IOptions<TenantIsolationOptions>>().Value.Aws, sp.GetRequiredService<TimeProvider>()),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IVerificationRunner>(sp => sp.GetRequiredService<VerificationRunner>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ContinuousVerificationService>());
        return services;
    }
}
