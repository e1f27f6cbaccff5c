using LoadTests.Topology;

namespace LoadTests.Tests.Topology;

public sealed class TenantsTests
{
    [Fact]
    public void Organization_IsFixedWidth()
    {
        Assert.Equal("lto-0000042", Tenants.Organization(42));
        Assert.Equal("ltu-0100000", Tenants.User(100_000));
    }

    [Theory]
    [InlineData("""[{"organizationId":"lto-0000002","name":"x"}]""", "lto-0000001", "lto-0000002")]
    [InlineData("""{"detail":"lto-0000001 and lto-0000003"}""", "lto-0000001", "lto-0000003")]
    [InlineData("""[{"organizationId":"acme"}]""", "lto-0000001", "acme")]
    public void FirstForeignOrganization_OtherOrganizationInBody_ReturnsIt(string body, string own, string expected) =>
        Assert.Equal(expected, Tenants.FirstForeignOrganization(body, own));

    [Theory]
    [InlineData("""[{"organizationId":"lto-0000001","applicationId":"app-lto-0000001"}]""", "lto-0000001")]
    [InlineData("""{"code":"not_a_member"}""", "lto-0000001")]
    [InlineData("", "lto-0000001")]
    [InlineData("lto-12", "lto-0000001")]
    [InlineData("""{"name":"Acme's rival"}""", "lto-0000001")]
    public void FirstForeignOrganization_OnlyOwnOrNone_ReturnsNull(string body, string own) =>
        Assert.Null(Tenants.FirstForeignOrganization(body, own));
}
