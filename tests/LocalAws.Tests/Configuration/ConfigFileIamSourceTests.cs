using System.Text.Json;
using LocalAws.Configuration;
using LocalAws.Tests.Identity;

namespace LocalAws.Tests.Configuration;

public sealed class ConfigFileIamSourceTests
{
    private const string TrustGateway = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/gateway"},"Action":"sts:AssumeRole"}]}""";

    private static ConfigFileIamSource Source(string sectionJson)
    {
        using var document = JsonDocument.Parse(sectionJson);
        return new ConfigFileIamSource(document.RootElement.Clone(), "test.json");
    }

    [Fact]
    public void Load_ValidSection_YieldsUsersAndRolesWithArnsInTheScopeAccount()
    {
        var source = Source($$"""
            {"Users":[{"Name":"gateway","AccessKeyId":"AKIATESTGATEWAY00001","SecretAccessKey":"s","Policies":[]}],
             "Roles":[{"Name":"Tenant","MaxSessionDurationSeconds":7200,"TrustPolicy":{{TrustGateway}},"Policies":[]}]}
            """);

        var definitions = source.Load(TestIam.Scope);

        var user = Assert.Single(definitions.Users);
        Assert.Equal(TestIam.GatewayArn, user.Arn);
        var role = Assert.Single(definitions.Roles);
        Assert.Equal(TestIam.RoleArn, role.Arn);
        Assert.Equal(7200, role.MaxSessionDurationSeconds);
        Assert.Equal(LocalAws.Identity.IamDirectory.RoleId(TestIam.Account, "Tenant"), role.RoleId);
    }

    [Fact]
    public void Load_SeveralErrors_ReportsEveryOneNamingItsKey()
    {
        var source = Source("""
            {"Users":[{"Name":"x","AccessKeyId":"BAD","SecretAccessKey":"s","Policies":[{"Statement":"nope"}]},
                      {"AccessKeyId":"AKIATESTGATEWAY00001"}],
             "Roles":[{"Name":"Tenant","MaxSessionDurationSeconds":60}]}
            """);

        var e = Assert.Throws<InvalidOperationException>(() => source.Load(TestIam.Scope));

        Assert.StartsWith("Invalid LocalAws configuration in test.json:", e.Message, StringComparison.Ordinal);
        Assert.Contains("LocalAws:Users:0:AccessKeyId must start with AKIA", e.Message, StringComparison.Ordinal);
        Assert.Contains("LocalAws:Users:0:Policies:0:", e.Message, StringComparison.Ordinal);
        Assert.Contains("LocalAws:Users:1:Name is required.", e.Message, StringComparison.Ordinal);
        Assert.Contains("LocalAws:Users:1:SecretAccessKey is required.", e.Message, StringComparison.Ordinal);
        Assert.Contains("LocalAws:Roles:0:MaxSessionDurationSeconds must be 3600-43200.", e.Message, StringComparison.Ordinal);
        Assert.Contains("LocalAws:Roles:0:TrustPolicy is required.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DuplicatedAccessKey_IsRejectedNamingTheKey()
    {
        var source = Source("""
            {"Users":[{"Name":"a","AccessKeyId":"AKIATESTGATEWAY00001","SecretAccessKey":"s"},
                      {"Name":"b","AccessKeyId":"AKIATESTGATEWAY00001","SecretAccessKey":"t"}],
             "Roles":[]}
            """);

        var e = Assert.Throws<InvalidOperationException>(() => source.Load(TestIam.Scope));

        Assert.Contains("LocalAws:Users: access key AKIATESTGATEWAY00001 is used more than once.", e.Message, StringComparison.Ordinal);
    }
}
