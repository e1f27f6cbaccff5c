using Gateway.Policies.Documents;
using Gateway.Policies.DynamoDb;
using Gateway.Policies.Evaluation;
using LocalAws.Identity;

namespace LocalAws.Tests.Identity;

public sealed class DecisionCacheTests
{
    private const string Resource = "arn:aws:dynamodb:us-east-1:000000000000:table/Applications";

    private static Principal Session() => new()
    {
        Arn = "arn:aws:sts::000000000000:assumed-role/TenantDataAccess/t",
        UserId = "AROAEXAMPLE:t",
        AccessKeyId = "ASIAEXAMPLE000000001",
        SecretAccessKey = "secret",
        SessionToken = "token",
        IdentityPolicies = [PolicyDocument.Parse("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}""")],
        SessionPolicy = PolicyDocument.Parse(LocalAwsFixture.SessionPolicyJson("org-a")),
        Context = RequestContext.Empty,
    };

    private static AuthorizationCheck GetItem(params string[] leadingKeys)
        => new("dynamodb:GetItem", Resource, new Dictionary<string, IReadOnlyList<string>> { ["dynamodb:LeadingKeys"] = leadingKeys });

    [Fact]
    public void Authorize_ChecksDifferingOnlyInConditionValues_AreDecidedSeparately()
    {
        var cache = new DecisionCache();
        var principal = Session();

        Assert.True(cache.Authorize(principal, GetItem("org-a"), c => c.ToRequest(principal.Context)).IsAllowed);
        Assert.False(cache.Authorize(principal, GetItem("org-b"), c => c.ToRequest(principal.Context)).IsAllowed);
        Assert.False(cache.Authorize(principal, GetItem("org-a", "org-b"), c => c.ToRequest(principal.Context)).IsAllowed);
        Assert.True(cache.Authorize(principal, GetItem("org-a"), c => c.ToRequest(principal.Context)).IsAllowed);
    }

    [Fact]
    public void Authorize_SameCheckTwice_EvaluatesOnce()
    {
        var cache = new DecisionCache();
        var principal = Session();
        var built = 0;
        AuthorizationRequest Build(AuthorizationCheck c)
        {
            built++;
            return c.ToRequest(principal.Context);
        }

        cache.Authorize(principal, GetItem("org-a"), Build);
        cache.Authorize(principal, GetItem("org-a"), Build);

        Assert.Equal(1, built);
    }

    [Fact]
    public void Authorize_EvaluatorFailure_DeniesAndIsNotCached()
    {
        var cache = new DecisionCache();
        var principal = Session();
        var calls = 0;
        AuthorizationRequest Broken(AuthorizationCheck c)
        {
            calls++;
            return calls == 1 ? null! : c.ToRequest(principal.Context);
        }

        Assert.False(cache.Authorize(principal, GetItem("org-a"), Broken).IsAllowed);
        Assert.True(cache.Authorize(principal, GetItem("org-a"), Broken).IsAllowed);
    }
}
