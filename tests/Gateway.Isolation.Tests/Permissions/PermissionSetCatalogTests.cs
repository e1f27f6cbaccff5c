using Gateway.Isolation.Configuration;
using Gateway.Isolation.Permissions;

namespace Gateway.Isolation.Tests.Permissions;

public sealed class PermissionSetCatalogTests
{
    private static string Digest(TenantIsolationOptions options, string set = "read-write")
    {
        var catalog = new PermissionSetCatalog(options);
        Assert.True(catalog.TryGetByName(set, out var permissionSet));
        return catalog.PolicyDigest(permissionSet);
    }

    [Fact]
    public void PolicyDigest_SameConfiguration_Equal()
    {
        Assert.Equal(Digest(TestOptions.Valid()), Digest(TestOptions.Valid()));
        Assert.Matches("^[0-9a-f]{16}$", Digest(TestOptions.Valid()));
    }

    [Fact]
    public void PolicyDigest_SetNarrowed_Differs()
    {
        var narrowed = TestOptions.Valid();
        narrowed.PermissionSets["read-write"].Tables["Applications"] = TableAccessLevel.Read;

        Assert.NotEqual(Digest(TestOptions.Valid()), Digest(narrowed));
        Assert.Equal(Digest(TestOptions.Valid(), "read-only"), Digest(narrowed, "read-only")); // the other set is unchanged
    }

    [Fact]
    public void PolicyDigest_OtherRoleOrMode_Differs()
    {
        var otherRole = TestOptions.Valid();
        otherRole.RoleArn = "arn:aws:iam::000000000000:role/OtherTenantRole";
        var abac = TestOptions.Valid();
        abac.Mode = IsolationMode.Abac;
        var abacOwnRole = TestOptions.Valid();
        abacOwnRole.Mode = IsolationMode.Abac;
        abacOwnRole.PermissionSets["read-write"].RoleArn = "arn:aws:iam::000000000000:role/TenantReadWrite";

        var digests = new[] { Digest(TestOptions.Valid()), Digest(otherRole), Digest(abac), Digest(abacOwnRole) };

        Assert.Equal(4, digests.Distinct().Count());
    }
}
