using Gateway.Authentication;
using Gateway.Diagnostics;
using Gateway.Tenancy;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Gateway.Hosting;

/// <summary>The gateway's request pipeline: authentication, deny-by-default authorization, probes, metrics, the proxy.</summary>
internal static class GatewayApplicationExtensions
{
    public static WebApplication UseTenantGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // First: every response written while the gateway drains closes its connection, refusals and 500s included.
        app.UseMiddleware<DrainConnectionMiddleware>();
        app.UseMiddleware<UnhandledExceptionMiddleware>();
        app.UseMiddleware<MethodGuardMiddleware>();
        // UseAuthentication(), with a validated-token cache hit answered without the framework's per-request handler
        // (inside a gateway.authenticate span when tracing).
        ((IApplicationBuilder)app).Properties[GatewayAuthenticationMiddleware.AuthenticationMiddlewareSetKey] = true;
        app.UseMiddleware<GatewayAuthenticationMiddleware>();
        // UseAuthorization(), with a cached principal on an endpoint of exactly the tenant policy answered without the
        // framework's per-request policy evaluation; every other request goes through the framework's own middleware.
        ((IApplicationBuilder)app).Properties[GatewayAuthorizationMiddleware.AuthorizationMiddlewareSetKey] = true;
        app.UseMiddleware<GatewayAuthorizationMiddleware>(FrameworkAuthorization(app));

        app.MapGet("/healthz", () => Results.Text("ok")).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Microsoft.Extensions.DependencyInjection.GatewayServiceCollectionExtensions.ReadyTag),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();

        app.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<TenantIsolationMiddleware>();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    /// <summary>ASP.NET Core's own <c>UseAuthorization()</c> in a branch that continues with the given delegate.</summary>
    private static Func<RequestDelegate, RequestDelegate> FrameworkAuthorization(IApplicationBuilder app) => next =>
    {
        var branch = app.New();
        branch.UseAuthorization();
        branch.Run(next);
        return branch.Build();
    };
}
