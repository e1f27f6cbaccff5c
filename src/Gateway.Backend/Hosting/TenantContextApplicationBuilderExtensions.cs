using Gateway.Backend.Context;
using Microsoft.AspNetCore.Http;

#pragma warning disable IDE0130 // Namespace does not match folder structure
namespace Microsoft.AspNetCore.Builder;
#pragma warning restore IDE0130

/// <summary>Adds the tenant-context middleware and the per-endpoint opt-out.</summary>
public static class TenantContextApplicationBuilderExtensions
{
    /// <summary>
    /// Requires a valid <c>X-Tenant-Context</c> for every endpoint not marked with
    /// <see cref="AllowWithoutTenantContext{TBuilder}"/>, and maps DynamoDB AccessDenied to 403
    /// <c>tenant_access_denied</c>. Place it after routing (minimal APIs route first automatically) and before
    /// the endpoints.
    /// </summary>
    public static IApplicationBuilder UseTenantContext(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseMiddleware<TenantContextMiddleware>();
    }

    /// <summary>Lets this endpoint run without a tenant context (health checks and the like).</summary>
    public static TBuilder AllowWithoutTenantContext<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(static endpoint => endpoint.Metadata.Add(new AllowWithoutTenantContextAttribute()));
        return builder;
    }
}
