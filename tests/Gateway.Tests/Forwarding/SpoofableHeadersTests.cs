using Gateway.Forwarding;

namespace Gateway.Tests.Forwarding;

public sealed class SpoofableHeadersTests
{
    [Theory]
    [InlineData("X-Tenant-Context")]
    [InlineData("x-tenant-context")]
    [InlineData("X_TENANT_CONTEXT")]
    [InlineData("x_tenant-Context")]
    [InlineData("X-Tenant-Anything")]
    [InlineData("X-Organization-Id")]
    [InlineData("x_organization_id")]
    [InlineData("X-ORGANIZATION-ID")]
    [InlineData("X-Amz-Security-Token")]
    [InlineData("x_amz_date")]
    [InlineData("X-User-Id")]
    [InlineData("x_user_role")]
    [InlineData("X-Request-Id")]
    [InlineData("Authorization")]
    [InlineData("AUTHORIZATION")]
    [InlineData("Proxy-Authorization")]
    [InlineData("x_tenant")]
    [InlineData("X-User")]
    [InlineData("x_amz")]
    [InlineData("X-AMZ")]
    [InlineData("X-Original-URL")]
    [InlineData("X-Rewrite-URL")]
    [InlineData("X-HTTP-Method-Override")]
    [InlineData("x_http_method")]
    [InlineData("X-Method-Override")]
    [InlineData("X-Forwarded-Port")]
    [InlineData("X-Real-IP")]
    [InlineData("x_client_ip")]
    [InlineData("X-Forwarded-User")]
    [InlineData("X-Forwarded-Email")]
    [InlineData("X-Auth-Request-User")]
    [InlineData("x_auth_request_email")]
    [InlineData("Remote-User")]
    [InlineData("X-Remote-User")]
    [InlineData("X-Authenticated-User")]
    [InlineData("X-Amzn-Oidc-Identity")]
    [InlineData("x-amzn-oidc-data")]
    [InlineData("X-Amzn-Oidc-Accesstoken")]
    [InlineData("X-MS-CLIENT-PRINCIPAL")]
    [InlineData("X-Ms-Client-Principal-Name")]
    [InlineData("X-Goog-Authenticated-User-Email")]
    [InlineData("X-Goog-IAP-JWT-Assertion")]
    [InlineData("True-Client-IP")]
    [InlineData("CF-Connecting-IP")]
    [InlineData("X-Cluster-Client-IP")]
    [InlineData("X-Original-Host")]
    [InlineData("X-Forwarded-Server")]
    [InlineData("X-Forwarded-Scheme")]
    [InlineData("X-Original-Method")]
    [InlineData("X-Original-Uri")]
    [InlineData("X-Envoy-Original-Path")]
    public void IsSpoofable_IdentityHeadersAndVariants_True(string name) => Assert.True(SpoofableHeaders.BuiltIn.IsSpoofable(name, keepAuthorization: false));

    [Theory]
    [InlineData("Accept")]
    [InlineData("Content-Type")]
    [InlineData("X-Tenants")] // not the X-Tenant- prefix
    [InlineData("X-Organization")]
    [InlineData("X-Organization-Idx")]
    [InlineData("X-Correlation-Id")]
    [InlineData("User-Agent")]
    [InlineData("Authorization-Hint")]
    [InlineData("X-Users")] // not the X-User- prefix
    [InlineData("X-Amzn-Trace-Id")] // not the X-Amz- prefix (ALB's trace header)
    [InlineData("X-Forwarded-For")] // YARP sets its own X-Forwarded-For/Proto/Host
    [InlineData("X-Real-IPs")]
    [InlineData("X-Forwarded-Users")]
    [InlineData("X-Amzn-Request-Id")] // not an identity header
    public void IsSpoofable_OrdinaryHeaders_False(string name) => Assert.False(SpoofableHeaders.BuiltIn.IsSpoofable(name, keepAuthorization: false));

    [Fact]
    public void IsSpoofable_Authorization_KeptOnlyWhenRouteOptsIn()
    {
        Assert.False(SpoofableHeaders.BuiltIn.IsSpoofable("Authorization", keepAuthorization: true));
        Assert.True(SpoofableHeaders.BuiltIn.IsSpoofable("X-Tenant-Context", keepAuthorization: true));
    }

    [Theory]
    [InlineData("X-Internal-Debug", true)]
    [InlineData("x_internal_debug", true)]
    [InlineData("X-Legacy-Anything", true)]
    [InlineData("X-Legacy", false)]
    [InlineData("X-Internal-Debugger", false)]
    [InlineData("X-Old-Session", true)]
    [InlineData("x_old_session", true)]
    public void IsSpoofable_ConfiguredNamesAndPrefixes_Stripped(string name, bool stripped)
    {
        // Configured entries may be written with '_' too ("x_old_*"): they match the '-' and '_' spellings alike.
        var headers = new SpoofableHeaders(["X-Internal-Debug", "x-legacy-*", "x_old_*"]);

        Assert.Equal(stripped, headers.IsSpoofable(name, keepAuthorization: false));
        Assert.False(SpoofableHeaders.BuiltIn.IsSpoofable(name, keepAuthorization: false));
    }

    [Fact]
    public void IsSpoofable_ConfiguredList_CannotShrinkBuiltIn()
    {
        var headers = new SpoofableHeaders(["Accept"]);

        Assert.True(headers.IsSpoofable("X-Amz-Security-Token", keepAuthorization: false));
        Assert.True(headers.IsSpoofable("X-Real-IP", keepAuthorization: false));
        Assert.True(headers.IsSpoofable("Accept", keepAuthorization: false));
    }
}
