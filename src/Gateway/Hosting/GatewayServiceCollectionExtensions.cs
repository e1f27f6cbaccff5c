using Gateway.Auditing;
using Gateway.Authentication;
using Gateway.Configuration;
using Gateway.Diagnostics;
using Gateway.Forwarding;
using Gateway.Hosting;
using Gateway.Isolation.Diagnostics;
using Gateway.Tenancy;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the tenant gateway: the isolation engine (<see cref="TenantIsolationServiceCollectionExtensions.AddTenantIsolation"/>),
/// forwarding and envelope options, authentication, the tenant middleware's services, YARP transforms, diagnostics.
/// </summary>
internal static class GatewayServiceCollectionExtensions
{
    public const string ReadyTag = "ready";

    /// <summary>The .NET runtime's built-in meter (<c>dotnet.gc.heap.total_allocated</c>, <c>dotnet.process.cpu.time</c>, …).</summary>
    public const string RuntimeMeterName = "System.Runtime";

    public static IServiceCollection AddTenantGateway(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(TenantGatewayMarker)))
        {
            return services;
        }

        services.AddSingleton<TenantGatewayMarker>();
        // What GatewayConfiguration.ValidateAll checks before the host starts, in this order (the engine's and the
        // forwarding sections are added by AddTenantIsolation and AddGatewayForwardingOptions).
        services.AddGatewayConfigurationCheck<GatewayAuthenticationOptions>();
        services.AddTenantIsolation(configuration);
        services.AddTenantVerification();

        services.AddGatewayForwardingOptions(configuration);
        services.TryAddSingleton<EnvelopeKeyParameterResolver>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EnvelopeKeyParameterRefresher>());
        services.AddOptions<GatewayAuthenticationOptions>().BindConfiguration(GatewayAuthenticationOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayAuthenticationOptions>, GatewayAuthenticationOptionsValidator>());
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.SectionName);
        services.AddGatewayConfigurationCheck<AuditOptions>();
        services.AddGatewayConfigurationCheck(new ProxyConfigurationCheck());
        services.AddGatewayShutdownOptions(configuration);

        services.TryAddSingleton<GatewayMetrics>();
        services.TryAddSingleton<OrganizationResolver>();
        services.TryAddSingleton<AuditLogger>();
        services.TryAddSingleton<RefusalAuditor>();
        services.TryAddSingleton<IEnvelopeService, EnvelopeService>();
        services.TryAddSingleton<ValidatedTokenCache>();
        services.TryAddSingleton<SigningKeyFreshness>();
        // SIGTERM: /readyz 503 and Connection: close for Shutdown:DrainDelay, then in-flight requests get Shutdown:Timeout.
        services.TryAddSingleton<GracefulShutdown>();
        services.AddHostedService(sp => sp.GetRequiredService<GracefulShutdown>());

        // Authentication: JwtBearer configured from the Authentication section; deny by default.
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<JwtBearerOptions>, JwtBearerOptionsSetup>());
        // After JwtBearer's own post-configuration (which creates the configuration manager): no last-known-good keys.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<JwtBearerOptions>, JwtBearerOptionsSetup>());
        // Re-reads the JWKS every SigningKeyRefreshInterval: a withdrawn key is refused, cached tokens included.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SigningKeyRefresher>());
        var userIdClaim = configuration.GetSection(GatewayAuthenticationOptions.SectionName)[nameof(GatewayAuthenticationOptions.UserIdClaim)] ?? "sub";
        // No explicit scheme: the authentication middleware already ran JwtBearer (the default scheme) and set
        // HttpContext.User, so the policy evaluator does not authenticate and merge principals a second time.
        var authenticated = new AuthorizationPolicy([new AuthenticatedUserRequirement(userIdClaim)], []);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(authenticated)
            .SetDefaultPolicy(authenticated)
            .AddPolicy(GatewayAuthorization.TenantPolicy, authenticated);
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        BuildAuthorizationServicesOnce(services);
        // Whether anything listens to the framework's authorization counter (GatewayAuthorizationMiddleware then steps aside).
        services.TryAddSingleton<FrameworkAuthorizationAttempts>();

        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection("ReverseProxy"))
            .AddTransforms<TenantTransformProvider>()
            .AddConfigFilter<ForwardingTimeoutConfigFilter>();

        services.AddHealthChecks()
            .AddCheck("configuration", () => HealthCheckResult.Healthy("validated at start-up"), [ReadyTag])
            .AddCheck<SigningKeyFreshness>("signing_keys", tags: [ReadyTag])
            .AddCheck<GracefulShutdown>("shutdown", tags: [ReadyTag])
            .AddTenantIsolationChecks(ReadyTag);

        var openTelemetry = services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(IsolationMetrics.MeterName, "Polly", "Microsoft.AspNetCore.Hosting")
            // The runtime's own counters (GC, allocated bytes, CPU time, thread pool): observable, read only on scrape.
            .AddMeter(RuntimeMeterName)
            .AddView(GatewayMetrics.DenialsInstrument, new MetricStreamConfiguration { CardinalityLimit = GatewayMetrics.DenialsCardinalityLimit })
            .AddView(GatewayMetrics.OrganizationRequestsInstrument, new MetricStreamConfiguration { CardinalityLimit = GatewayMetrics.OrganizationRequestsCardinalityLimit })
            .AddPrometheusExporter());
        GatewayTracing.Add(openTelemetry, configuration);
        // After the OpenTelemetry hosted service: publishes every outcome and failure series at 0 once the exporter listens.
        services.AddHostedService<MetricsSeriesInitializer>();
        return services;
    }

    /// <summary>
    /// ASP.NET Core registers the authorization services transient, so <c>UseAuthorization()</c> built, for every request,
    /// a policy evaluator, an authorization service, a handler provider (with its handler list and a task), an evaluator
    /// and a context factory. They keep no per-request state: every one holds only other services and options, and the
    /// user, resource and requirements arrive as arguments of each call (the handlers here are the framework's
    /// pass-through and <see cref="AuthenticatedUserRequirement"/>, which is its own handler; the policy provider reads
    /// <c>IOptions&lt;AuthorizationOptions&gt;</c>, which the authorization middleware already holds for the host's
    /// lifetime). The same implementations, built once. The gateway host validates scopes and its whole graph on build in
    /// every environment (<see cref="Gateway.Hosting.ServiceValidation"/>), so a scoped handler, or a handler depending on
    /// a scoped service, fails start-up rather than be captured; a stateless transient handler registered after this call
    /// is built once by the singleton handler provider.
    /// </summary>
    internal static void BuildAuthorizationServicesOnce(IServiceCollection services)
    {
        Type[] single = [typeof(IPolicyEvaluator), typeof(IAuthorizationService), typeof(IAuthorizationHandlerProvider), typeof(IAuthorizationEvaluator), typeof(IAuthorizationHandlerContextFactory), typeof(IAuthorizationPolicyProvider)];
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor is { Lifetime: ServiceLifetime.Transient, IsKeyedService: false, ImplementationType: { } implementation }
                && (Array.IndexOf(single, descriptor.ServiceType) >= 0 || descriptor.ServiceType == typeof(IAuthorizationHandler)))
            {
                services[i] = ServiceDescriptor.Singleton(descriptor.ServiceType, implementation);
            }
        }
    }

    private sealed class TenantGatewayMarker;
}
