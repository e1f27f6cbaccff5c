using Gateway.Isolation.Aws;
using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Evaluation;
using Gateway.Isolation.Memberships;
using Gateway.Isolation.Permissions;
using Gateway.Isolation.RateLimiting;
using Gateway.Isolation.Revocations;
using Amazon.DynamoDBv2;
using Amazon.SecurityToken;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the tenant-isolation decision engine: options + validation, AWS clients, membership, credentials, metrics, the evaluator.</summary>
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
        // Reloads keep the last valid settings (an invalid edit is refused with one error line naming the key).
        services.TryAddSingleton<IOptionsMonitor<TenantIsolationOptions>, LastGoodOptionsMonitor<TenantIsolationOptions>>();
        services.AddGatewayConfigurationCheck<TenantIsolationOptions>();

        services.TryAddSingleton(sp => new PermissionSetCatalog(sp.GetRequiredService<IOptionsMonitor<TenantIsolationOptions>>()));
        services.TryAddSingleton<IsolationMetrics>();
        services.TryAddSingleton(sp => AwsClientFactory.CreateSts(sp.GetRequiredService<IOptions<TenantIsolationOptions>>().Value.Aws));
        services.TryAddSingleton(sp => AwsClientFactory.CreateDynamoDb(sp.GetRequiredService<IOptions<TenantIsolationOptions>>().Value.Aws));
        // The STS pipeline by name through Polly.Extensions: Polly's telemetry (meter and logger "Polly") reports its
        // retries, circuit transitions and timeouts under pipeline.name="sts".
        services.TryAddKeyedSingleton(StsResiliencePipeline.Name, new CircuitBreakerStateProvider());
        services.AddResiliencePipeline(StsResiliencePipeline.Name, static (builder, context) =>
        {
            builder.TimeProvider = context.ServiceProvider.GetRequiredService<TimeProvider>();
            StsResiliencePipeline.Configure(
                builder,
                context.ServiceProvider.GetRequiredService<IOptions<TenantIsolationOptions>>().Value.Sts,
                context.ServiceProvider.GetRequiredKeyedService<CircuitBreakerStateProvider>(StsResiliencePipeline.Name));
        });
        services.TryAddSingleton(sp => new StsResiliencePipeline(
            sp.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(StsResiliencePipeline.Name),
            sp.GetRequiredKeyedService<CircuitBreakerStateProvider>(StsResiliencePipeline.Name)));
        services.TryAddSingleton<StsCallWindow>();
        services.TryAddSingleton<ICredentialIssuer, StsCredentialIssuer>();
        AddSharedCache(services, configuration);
        services.TryAddSingleton(sp => new StsAdmission(
            sp.GetRequiredService<IOptions<TenantIsolationOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IsolationMetrics>(),
            sp.GetRequiredService<ILogger<StsAdmission>>(),
            sp.GetService<IStsBudgetStore>()));
        // The revocations in force (tenant-revocations, read by the watcher with the gateway's identity): the credential
        // cache refuses the sets it requested before a cut-off.
        services.TryAddSingleton<RevocationCutoffs>();
        services.TryAddSingleton<CredentialCache>();
        services.TryAddSingleton<IRolePolicyReader>(sp => new IamRolePolicyReader(
            new IamClient(sp.GetRequiredService<IOptions<TenantIsolationOptions>>().Value.Aws, sp.GetRequiredService<TimeProvider>())));
        services.TryAddSingleton<RevocationWatcher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RevocationWatcher>(sp => sp.GetRequiredService<RevocationWatcher>()));
        services.TryAddSingleton<IMembershipStore, DynamoDbMembershipStore>();
        services.TryAddSingleton<MembershipService>();
        services.TryAddSingleton<IOrganizationStore, DynamoDbOrganizationStore>();
        services.TryAddSingleton<OrganizationService>();
        // What an eviction drops, in this order: the organization's record, memberships, per-user credentials.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IUserEviction, OrganizationService>(sp => sp.GetRequiredService<OrganizationService>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IUserEviction, MembershipService>(sp => sp.GetRequiredService<MembershipService>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IUserEviction, CredentialCache>(sp => sp.GetRequiredService<CredentialCache>()));
        // Credential sets the data store rejected, announced by another instance: dropped here too.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICredentialRejectionListener, CredentialCache>(sp => sp.GetRequiredService<CredentialCache>()));
        services.TryAddSingleton(sp => new OrganizationRateLimiter(
            sp.GetRequiredService<IOptionsMonitor<TenantIsolationOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IsolationMetrics>(),
            sp.GetRequiredService<ILogger<OrganizationRateLimiter>>(),
            sp.GetService<IFleetRateLimitStore>()));
        services.TryAddSingleton<ITenantIsolationEvaluator, TenantIsolationEvaluator>();
        services.TryAddSingleton<StsHealthCheck>();
        services.TryAddSingleton<MembershipStoreHealthCheck>();
        services.TryAddSingleton<CredentialRejectionHealthCheck>();
        services.TryAddSingleton<RevocationHealthCheck>();
        return services;
    }

    /// <summary>
    /// Fleet mode (<c>TenantIsolation:SharedCache:Redis</c> set): the sealed Redis L2 under the credential and membership
    /// caches, the fleet lock and the eviction backplane. Without Redis nothing is registered and the caches work alone.
    /// </summary>
    private static void AddSharedCache(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection($"{TenantIsolationOptions.SectionName}:SharedCache");
        if (string.IsNullOrWhiteSpace(section[nameof(SharedCacheOptions.Redis)]))
        {
            return;
        }

        static SharedCacheOptions Shared(IServiceProvider sp) => sp.GetRequiredService<IOptions<TenantIsolationOptions>>().Value.SharedCache;
        services.TryAddSingleton(sp => new RedisConnection(Shared(sp)));
        services.TryAddSingleton<IFleetLock>(sp => new RedisFleetLock(sp.GetRequiredService<RedisConnection>()));
        services.TryAddSingleton<IStsBudgetStore>(sp => new RedisStsBudgetStore(
            sp.GetRequiredService<RedisConnection>(), Shared(sp), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IsolationMetrics>()));
        services.TryAddSingleton(sp =>
        {
            var connection = sp.GetRequiredService<RedisConnection>();
            var redis = new RedisCache(Options.Options.Create(new RedisCacheOptions
            {
                InstanceName = connection.Prefix,
                ConnectionMultiplexerFactory = connection.GetAsync,
            }));
            return new SealedDistributedCache(redis, Shared(sp).Sealing, connection.Prefix, sp.GetRequiredService<ILogger<SealedDistributedCache>>());
        });
        services.TryAddSingleton(sp => new SharedCache(
            sp.GetRequiredService<SealedDistributedCache>(),
            sp.GetRequiredService<IFleetLock>(),
            Shared(sp),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IsolationMetrics>(),
            sp.GetRequiredService<ILogger<SharedCache>>(),
            new RedisFleetAnnouncer(sp.GetRequiredService<RedisConnection>())));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EvictionBackplane>());
        // Rate limits are the fleet's: one bucket per organization in the same Redis (local share while it is away).
        services.TryAddSingleton<IFleetRateLimitStore>(sp => new RedisFleetRateLimitStore(
            sp.GetRequiredService<RedisConnection>(), Shared(sp), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IsolationMetrics>()));
    }

    /// <summary>
    /// Adds the engine's readiness checks: <c>sts</c> (GetCallerIdentity; Degraded while AssumeRole fails),
    /// <c>membership</c> (the membership table is readable) and <c>credentials</c> (Degraded for
    /// <c>Cache:RejectionCooldown</c> after the data store rejected a credential set) and <c>revocations</c> (Degraded while
    /// <c>tenant-revocations</c> cannot be read). Requires <see cref="AddTenantIsolation"/>.
    /// </summary>
    public static IHealthChecksBuilder AddTenantIsolationChecks(this IHealthChecksBuilder builder, params string[] tags)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddCheck<StsHealthCheck>("sts", tags: tags)
            .AddCheck<MembershipStoreHealthCheck>("membership", tags: tags)
            .AddCheck<CredentialRejectionHealthCheck>("credentials", tags: tags)
            .AddCheck<RevocationHealthCheck>("revocations", tags: tags);
    }
}
