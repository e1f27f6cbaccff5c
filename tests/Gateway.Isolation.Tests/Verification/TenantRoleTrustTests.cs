using Gateway.Verification;
using Gateway.Policies.Documents;

namespace Gateway.Isolation.Tests.Verification;

public class TenantRoleTrustTests
{
    private const string Gateway = "arn:aws:iam::123456789012:user/gateway";

    private static PolicyDocument Trust(params string[] statements)
        => PolicyDocument.Parse($$"""{"Version":"2012-10-17","Statement":[{{string.Join(',', statements)}}]}""");

    private static string Allow(string principal, string action = "\"sts:AssumeRole\"")
        => $$"""{"Effect":"Allow","Principal":{{principal}},"Action":{{action}}}""";

    [Fact]
    public void GatewayOnly_Passes()
    {
        var (passed, observed) = TenantRoleTrust.Analyze(Trust(Allow($$"""{"AWS":"{{Gateway}}"}""", """["sts:AssumeRole","sts:SetSourceIdentity"]""")), Gateway);
        Assert.True(passed);
        Assert.Equal(Gateway, observed);
    }

    [Fact]
    public void AccountRoot_Fails()
    {
        var (passed, observed) = TenantRoleTrust.Analyze(Trust(Allow("""{"AWS":"arn:aws:iam::123456789012:root"}""")), Gateway);
        Assert.False(passed);
        Assert.Equal("arn:aws:iam::123456789012:root", observed);
    }

    [Fact]
    public void AccountIdForm_Fails()
    {
        var (passed, observed) = TenantRoleTrust.Analyze(Trust(Allow("""{"AWS":"123456789012"}""")), Gateway);
        Assert.False(passed);
        Assert.Equal("123456789012", observed);
    }

    [Theory]
    [InlineData("\"*\"")]
    [InlineData("{\"AWS\":\"*\"}")]
    public void Anyone_Fails(string principal)
    {
        var (passed, observed) = TenantRoleTrust.Analyze(Trust(Allow(principal)), Gateway);
        Assert.False(passed);
        Assert.Equal("*", observed);
    }

    [Fact]
    public void ExtraPrincipal_Fails()
    {
        const string other = "arn:aws:iam::123456789012:role/SomethingElse";
        var (passed, observed) = TenantRoleTrust.Analyze(Trust(Allow($$"""{"AWS":["{{Gateway}}","{{other}}"]}""")), Gateway);
        Assert.False(passed);
        Assert.Equal(other, observed);
    }

    [Fact]
    public void ServicePrincipalOrWildcardAction_Fails()
    {
        Assert.False(TenantRoleTrust.Analyze(Trust(Allow("""{"Service":"ecs-tasks.amazonaws.com"}""")), Gateway).Passed);
        Assert.False(TenantRoleTrust.Analyze(Trust(Allow($$"""{"AWS":"{{Gateway}}"}"""), Allow("""{"AWS":"arn:aws:iam::123456789012:root"}""", "\"sts:*\"")), Gateway).Passed);
    }

    [Fact]
    public void AssumedRoleCaller_MapsToItsRole()
    {
        const string role = "arn:aws:iam::123456789012:role/TenantGateway";
        Assert.Equal(role, TenantRoleTrust.PrincipalOf("arn:aws:sts::123456789012:assumed-role/TenantGateway/task-1"));
        var (passed, observed) = TenantRoleTrust.Analyze(Trust(Allow($$"""{"AWS":"{{role}}"}""")), "arn:aws:sts::123456789012:assumed-role/TenantGateway/task-1");
        Assert.True(passed);
        Assert.Equal(role, observed);
    }

    [Fact]
    public void DenyAndOtherActions_AreIgnored()
    {
        var trust = Trust(
            Allow($$"""{"AWS":"{{Gateway}}"}"""),
            """{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"Null":{"sts:SourceIdentity":"true"}}}""",
            Allow("""{"AWS":"arn:aws:iam::123456789012:root"}""", "\"sts:TagSession\""));
        Assert.True(TenantRoleTrust.Analyze(trust, Gateway).Passed);
    }
}
