namespace Gateway.Tenancy;

/// <summary>Reads the <see cref="ITenantFeature"/> of a request.</summary>
internal static class TenantHttpContextExtensions
{
    /// <summary>The tenant decision of an allowed request on an isolated route; null when there is none.</summary>
    public static ITenantFeature? GetTenantFeature(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<ITenantFeature>();
    }
}
