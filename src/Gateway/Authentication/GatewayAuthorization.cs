namespace Gateway.Authentication;

/// <summary>Authorization policy names the gateway registers.</summary>
internal static class GatewayAuthorization
{
    /// <summary>Authenticated caller with a user id: the policy tenant routes name in their <c>AuthorizationPolicy</c>.</summary>
    public const string TenantPolicy = "tenant";
}
