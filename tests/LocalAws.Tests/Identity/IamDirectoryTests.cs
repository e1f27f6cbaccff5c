using Gateway.Policies;
using Gateway.Testing;
using LocalAws.CloudFormation;
using LocalAws.Configuration;
using LocalAws.Identity;

namespace LocalAws.Tests.Identity;

public sealed class IamDirectoryTests
{
    [Fact]
    public void TryFindUser_KnownAccessKey_ReturnsTheUserPrincipalWithItsConditionKeys()
    {
        var directory = TestIam.Directory();

        Assert.True(directory.TryFindUser(TestIam.GatewayKey, out var principal));

        Assert.Equal(TestIam.GatewayArn, principal.Arn);
        Assert.Equal("AIDA" + TestIam.GatewayKey[4..], principal.UserId);
        Assert.False(principal.IsSession);
        Assert.Equal("gateway-secret", principal.SecretAccessKey);
        Assert.Equal(new[] { TestIam.GatewayArn }, Values(principal, "aws:PrincipalArn"));
        Assert.Equal(new[] { "gateway" }, Values(principal, "aws:username"));
        Assert.Equal(new[] { TestIam.Account }, Values(principal, "aws:PrincipalAccount"));
        Assert.Equal(new[] { "User" }, Values(principal, "aws:PrincipalType"));
    }

    [Theory]
    [InlineData("AKIATESTUNKNOWN00001")]
    [InlineData("ASIATESTSESSION00001")]
    [InlineData("")]
    public void TryFindUser_UnknownOrSessionKey_IsNotFound(string accessKey)
    {
        Assert.False(TestIam.Directory().TryFindUser(accessKey, out var principal));
        Assert.Null(principal);
    }

    [Fact]
    public void TryFindRole_KnownArn_ReturnsTrustAndIdentityPolicies()
    {
        Assert.True(TestIam.Directory().TryFindRole(TestIam.RoleArn, out var role));

        Assert.Equal("Tenant", role.Name);
        Assert.Single(role.Policies);
        Assert.NotNull(role.TrustPolicy);
        Assert.Equal(3600, role.MaxSessionDurationSeconds);
    }

    [Theory]
    [InlineData("arn:aws:iam::111122223333:role/Unknown")]
    [InlineData("arn:aws:iam::999999999999:role/Tenant")] // the right name in another account
    [InlineData("arn:aws:iam::111122223333:role/tenant")] // ARNs are case-sensitive
    public void TryFindRole_UnknownRole_IsNotFound(string arn)
    {
        Assert.False(TestIam.Directory().TryFindRole(arn, out var role));
        Assert.Null(role);
    }

    [Fact]
    public void Constructor_DuplicatedAccessKey_ThrowsNamingTheKeyAndBothUsers()
    {
        var definitions = TestIam.Definitions() with { Users = [TestIam.User("gateway", TestIam.GatewayKey), TestIam.User("other", TestIam.GatewayKey)] };

        var e = Assert.Throws<InvalidOperationException>(() => new IamDirectory(TestIam.Scope, definitions));

        Assert.Equal($"Invalid IAM definitions: access key {TestIam.GatewayKey} is used by more than one user (gateway, other).", e.Message);
    }

    [Fact]
    public void Constructor_DuplicatedRoleAndMalformedKey_ReportsEveryProblem()
    {
        var definitions = new IamDefinitions { Users = [TestIam.User("odd", "ASIASHORT")], Roles = [TestIam.Role(), TestIam.Role()] };

        var e = Assert.Throws<InvalidOperationException>(() => new IamDirectory(TestIam.Scope, definitions));

        Assert.Contains("the access key of user odd must start with AKIA", e.Message, StringComparison.Ordinal);
        Assert.Contains($"role {TestIam.RoleArn} is defined 2 times.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SourceYieldingDuplicates_NamesTheSource()
    {
        var source = new StubSource(TestIam.Definitions() with { Roles = [TestIam.Role(), TestIam.Role()] });

        var e = Assert.Throws<InvalidOperationException>(() => IamDirectory.Load(source, TestIam.Scope));

        Assert.StartsWith("stub template: Invalid IAM definitions: role ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ShippedConfigFileWithTheTemplate_HasAdminGatewayAndTheTenantRole()
    {
        var path = RepoPaths.Combine(RepoPaths.LocalAwsProject, "appsettings.json");
        var scope = new AwsScope { AccountId = "000000000000", Region = "us-east-1" };
        var config = LocalAwsConfig.Load(path);
        var stack = CloudFormationStack.Load(RepoPaths.Combine("deploy", "cloudformation", "tenant-gateway.yaml"), new Dictionary<string, string>(), scope, config.CloudFormationParameters);

        var directory = IamDirectory.Load(new CloudFormationIamSource(stack, ConfigFileIamSource.FromFile(path)), scope);

        Assert.True(directory.TryFindUser(LocalAwsHost.AdminAccessKeyId, out var admin));
        Assert.Equal("arn:aws:iam::000000000000:user/admin", admin.Arn);
        Assert.True(directory.TryFindUser(LocalAwsHost.GatewayAccessKeyId, out var gateway));
        Assert.Equal(LocalAwsHost.GatewayUserArn, gateway.Arn);
        Assert.Single(gateway.IdentityPolicies); // the template's GatewayPolicy, nothing hand-written
        Assert.True(directory.TryFindRole(LocalAwsHost.TenantRoleArn, out var role));
        Assert.Matches("^AROA[A-Z2-7]{17}$", role.RoleId);
        Assert.Equal(IamDirectory.RoleId("000000000000", "TenantDataAccess"), role.RoleId);
    }

    private static IReadOnlyList<string> Values(Principal principal, string key)
        => principal.Context.TryGetValues(key, out var values) ? values : [];

    private sealed class StubSource(IamDefinitions definitions) : IIamSource
    {
        public string Description => "stub template";

        public IamDefinitions Load(AwsScope scope) => definitions;
    }
}
