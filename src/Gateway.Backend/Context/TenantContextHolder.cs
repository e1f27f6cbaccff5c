namespace Gateway.Backend.Context;

/// <summary>Scoped slot the middleware fills; <see cref="ITenantContext"/> is resolved from it.</summary>
internal sealed class TenantContextHolder
{
    public ITenantContext? Current { get; set; }

    public ITenantContext GetRequired() => Current ?? throw new InvalidOperationException(
        "No tenant context for this request: add app.UseTenantContext() before the endpoints, and do not resolve " +
        "ITenantContext in endpoints marked AllowWithoutTenantContext.");
}
