using Gateway.Isolation.Aws;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Evaluation;
using Gateway.Isolation.Memberships;
using Gateway.Isolation.Permissions;
using Gateway.Isolation.Verification;
using Amazon.DynamoDBv2;
using Amazon.SecurityToken;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the tenant-isolation decision engine: options + validation, AWS clients, membership, credentials, metrics, the evaluator, continuous verification.</summary>
public static class TenantIsolationServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ITenantIsolationEvaluator"/> and everything behind it, bound from <c>TenantIsolation</c>
    /// (<see cref="TenantIsolationOptions.SectionName"/>) of the host's <see cref="IConfiguration"/> and validated on start
    /// (every error at once). Uses <c>TryAdd*</c>: repeat calls are harmless and a service registered first wins.
    /// </summary>
    public static IServiceCollection AddTenantIsolation(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddLogging();

        services.AddOptions<TenantIsolationOptions>().Bind(configuration.GetSection(TenantIsolationOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TenantIsolationOptions>, TenantIsolationOptionsValidator>());

        services.TryAddSingleton(sp => new PermissionSetCatalog(sp.GetRequiredService<IOptions<TenantIsolationOptions>>().Value));
        services.TryAddSingleton<IsolationMetrics>();
        services.TryAddSingleton(sp => AwsClientFactory.CreateSts(sp.GetRequiredService<IOptions<TenantIsolationOptions>>().Value.Aws));
        services.TryAddSingleton(sp => AwsClientFactory.CreateDynamoDb(sp.GetRequiredService<IOptions<TenantIsolationOptions>>().Value.Aws));
        services.TryAddSingleton(sp => new StsResiliencePipeline(sp.GetRequiredService<IOptions<TenantIsolationOptions>>().Value.Sts, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<StsCallWindow>();
        services.TryAddSingleton<ICredentialIssuer, StsCredentialIssuer>();
        services.TryAddSingleton<CredentialCache>();
        services.TryAddSingleton<IMembershipStore, DynamoDbMembershipStore>();
        services.TryAddSingleton<MembershipService>();
        // The DynamoDB client is resolved on first read (a host that replaces the membership store need not configure AWS).
        services.TryAddSingleton(sp => new OrganizationPlacementService(
            (organizationId, ct) => OrganizationPlacementService.ReadAsync(sp.GetRequiredService<IAmazonDynamoDB>(), sp.GetRequiredService<IOptions<TenantIsolationOptions>>().Value.Membership, organizationId, ct),
            sp.GetRequiredService<IOptions<TenantIsolationOptions>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ITenantIsolationEvaluator, TenantIsolationEvaluator>();
        services.TryAddSingleton<StsHealthCheck>();
        services.TryAddSingleton<MembershipStoreHealthCheck>();
        services.TryAddSingleton(sp => new VerificationRunner(
            sp.GetRequiredService<ICredentialIssuer>(),
            sp.GetRequiredService<IAmazonSecurityTokenService>(),
            sp.GetRequiredService<IAmazonDynamoDB>(),
            sp.GetRequiredService<IOptions<TenantIsolationOptions>>().Value,
            sp.GetRequiredService<PermissionSetCatalog>(),
            new IamRoleReader(sp.GetRequiredService<IOptions<TenantIsolationOptions>>().Value.Aws, sp.GetRequiredService<TimeProvider>())));
        services.TryAddSingleton<IVerificationRunner>(sp => sp.GetRequiredService<VerificationRunner>());
        // Continuous verification (TenantIsolation:Verification:Interval); does nothing when the interval is unset.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ContinuousVerificationService>());
        return services;
    }

    /// <summary>
    /// Adds the engine's readiness checks: <c>sts</c> (GetCallerIdentity; Degraded while AssumeRole fails) and
    /// <c>membership</c> (the membership table is readable). Requires <see cref="AddTenantIsolation"/>.
    /// </summary>
    public static IHealthChecksBuilder AddTenantIsolationChecks(this IHealthChecksBuilder builder, params string[] tags)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddCheck<StsHealthCheck>("sts", tags: tags)
            .AddCheck<MembershipStoreHealthCheck>("membership", tags: tags);
    }
}
