namespace Gateway.Backend.Context;

/// <summary>
/// Endpoint metadata: the endpoint runs without an <c>X-Tenant-Context</c> envelope (health checks and the like).
/// <see cref="ITenantContext"/> is not available in it.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method | AttributeTargets.Delegate, AllowMultiple = false)]
public sealed class AllowWithoutTenantContextAttribute : Attribute;
