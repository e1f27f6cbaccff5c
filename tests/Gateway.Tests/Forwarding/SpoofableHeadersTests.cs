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
    public void IsSpoofable_IdentityHeadersAndVariants_True(string name) => Assert.True(SpoofableHeaders.IsSpoofable(name, keepAuthorization: false));

    [Theory]
    [InlineData("Accept")]
    [InlineData("Content-Type")]
    [InlineData("X-Tenants")] // not the X-Tenant- prefix
    [InlineData("X-Organization")]
    [InlineData("X-Organization-Idx")]
    [InlineData("X-Correlation-Id")]
    [InlineData("User-Agent")]
    [InlineData("Authorization-Hint")]
    public void IsSpoofable_OrdinaryHeaders_False(string name) => Assert.False(SpoofableHeaders.IsSpoofable(name, keepAuthorization: false));

    [Fact]
    public void IsSpoofable_Authorization_KeptOnlyWhenRouteOptsIn()
    {
        Assert.False(SpoofableHeaders.IsSpoofable("Authorization", keepAuthorization: true));
        Assert.True(SpoofableHeaders.IsSpoofable("X-Tenant-Context", keepAuthorization: true));
    }
}
