namespace Gateway.Hosting;

/// <summary>
/// The gateway host's service provider checks its graph in every environment, not only in Development (ASP.NET Core's
/// default): <c>ValidateOnBuild</c> builds every registration's call site when the host is built, and
/// <c>ValidateScopes</c> makes a singleton that depends, directly or through transients, on a scoped service a start-up
/// failure instead of a silently captured per-request instance. The authorization services the gateway registers as
/// singletons (<see cref="Microsoft.Extensions.DependencyInjection.GatewayServiceCollectionExtensions.BuildAuthorizationServicesOnce"/>)
/// rely on it. The cost is at build time; at request time a resolution checks only whether it is made from the root scope.
/// </summary>
internal static class ServiceValidation
{
    public static IHostBuilder ValidateServicesInEveryEnvironment(this IHostBuilder host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.UseDefaultServiceProvider(static options =>
        {
            options.ValidateScopes = true;
            options.ValidateOnBuild = true;
        });
    }
}
