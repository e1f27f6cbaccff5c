using Gateway.Policies.Documents;
using Gateway.Policies.Evaluation;

namespace Gateway.Policies.Tests.Evaluation;

/// <summary>
/// The condition keys a revocation policy rests on, evaluated as IAM does for every request of a session:
/// <c>aws:TokenIssueTime</c> with the Date operators (the console's <c>AWSRevokeOlderSessions</c> policy),
/// <c>aws:userid</c> (<c>roleId:sessionName</c> for a role session) and <c>aws:PrincipalTag/K</c> (session tags).
/// The role's identity policy allows the read; the revocation Deny is a second identity policy (a role inline policy).
/// Every deny has its allow twin.
/// </summary>
public class SessionRevocationConditionTests
{
    private const string Table = TestData.ApplicationsArn;
    private const string Cutoff = "2026-12-07T03:30:00Z";
    private const string RoleId = "AROAEXAMPLEROLEID0001";

    private static readonly PolicyDocument RolePolicy = PolicyDocument.Parse($$$"""
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"{{{Table}}}"}]}
        """);

    private static PolicyDocument Revocation(string conditions) => PolicyDocument.Parse(
        """{"Version":"2012-10-17","Statement":[{"Sid":"Revoke","Effect":"Deny","Action":"*","Resource":"*","Condition":""" + conditions + "}]}");

    /// <summary>The console's "Revoke active sessions" policy (AWSRevokeOlderSessions), verbatim in shape.</summary>
    private static readonly PolicyDocument RevokeOlderSessions = Revocation($$$"""{"DateLessThan":{"aws:TokenIssueTime":"{{{Cutoff}}}"}}""");

    private static readonly PolicyDocument RevokeAcmeByName = Revocation($$$"""
        {"DateLessThan":{"aws:TokenIssueTime":"{{{Cutoff}}}"},"StringLike":{"aws:userid":"*:acme+*"}}
        """);

    private static readonly PolicyDocument RevokeAcmeByTag = Revocation($$$"""
        {"DateLessThan":{"aws:TokenIssueTime":"{{{Cutoff}}}"},"StringEquals":{"aws:PrincipalTag/organizationId":"acme"}}
        """);

    private static Decision Decide(PolicyDocument revocation, params (string Key, string Value)[] keys)
    {
        var context = TestData.Context([.. keys.Select(k => (k.Key, new[] { k.Value }))]);
        return PolicyEvaluator.EvaluateSession([RolePolicy, revocation], sessionPolicy: null, new AuthorizationRequest("dynamodb:GetItem", Table, context)).Decision;
    }

    private static (string, string) Issued(string time) => ("aws:TokenIssueTime", time);

    private static (string, string) Session(string name) => ("aws:userid", $"{RoleId}:{name}");

    [Theory]
    [InlineData("2026-12-07T03:29:59Z", Decision.ExplicitDeny)]
    [InlineData("2026-12-01T00:00:00Z", Decision.ExplicitDeny)]
    [InlineData("2026-12-07T03:30:00Z", Decision.Allow)] // not less than the cut-off: a session issued at it survives
    [InlineData("2026-12-07T03:30:01Z", Decision.Allow)]
    public void RevokeOlderSessions_DeniesSessionsIssuedBeforeTheCutoffOnly(string issued, Decision expected)
        => Assert.Equal(expected, Decide(RevokeOlderSessions, Issued(issued), Session("acme+read-write")));

    [Fact]
    public void RevokeOlderSessions_KeyAbsent_DoesNotApply_IfExistsDoes()
    {
        // Long-term credentials carry no aws:TokenIssueTime: DateLessThan is false on an absent key, IfExists true.
        Assert.Equal(Decision.Allow, Decide(RevokeOlderSessions, ("aws:userid", "AIDAEXAMPLEUSER")));
        var ifExists = Revocation($$$"""{"DateLessThanIfExists":{"aws:TokenIssueTime":"{{{Cutoff}}}"}}""");
        Assert.Equal(Decision.ExplicitDeny, Decide(ifExists, ("aws:userid", "AIDAEXAMPLEUSER")));
        Assert.Equal(Decision.Allow, Decide(ifExists, Issued("2026-12-07T03:30:00Z")));
    }

    [Theory]
    [InlineData("acme+read-write", "2026-12-07T03:00:00Z", Decision.ExplicitDeny)]
    [InlineData("acme+read-write@alice", "2026-12-07T03:00:00Z", Decision.ExplicitDeny)]
    [InlineData("acme+read-write", "2026-12-07T03:31:00Z", Decision.Allow)] // the same name, issued after
    [InlineData("acme-eu+read-write", "2026-12-07T03:00:00Z", Decision.Allow)] // an id with acme as a prefix
    [InlineData("xacme+read-write", "2026-12-07T03:00:00Z", Decision.Allow)] // an id with acme as a suffix
    [InlineData("globex+read-write", "2026-12-07T03:00:00Z", Decision.Allow)]
    [InlineData("ACME+read-write", "2026-12-07T03:00:00Z", Decision.Allow)] // StringLike is case-sensitive
    public void RevokeByUserId_DeniesOnlyThatOrganizationsOlderSessions(string sessionName, string issued, Decision expected)
        => Assert.Equal(expected, Decide(RevokeAcmeByName, Issued(issued), Session(sessionName)));

    [Fact]
    public void RevokeOneUser_MatchesTheUsersSessionsOnly()
    {
        var user = Revocation($$$"""{"DateLessThan":{"aws:TokenIssueTime":"{{{Cutoff}}}"},"StringLike":{"aws:userid":"*:acme+*@alice"}}""");

        Assert.Equal(Decision.ExplicitDeny, Decide(user, Issued("2026-12-07T03:00:00Z"), Session("acme+read-write@alice")));
        Assert.Equal(Decision.Allow, Decide(user, Issued("2026-12-07T03:00:00Z"), Session("acme+read-write@bob")));
        Assert.Equal(Decision.Allow, Decide(user, Issued("2026-12-07T03:00:00Z"), Session("acme+read-write")));
    }

    [Theory]
    [InlineData("acme", "2026-12-07T03:00:00Z", Decision.ExplicitDeny)]
    [InlineData("acme", "2026-12-07T03:30:00Z", Decision.Allow)]
    [InlineData("acme-eu", "2026-12-07T03:00:00Z", Decision.Allow)]
    [InlineData("Acme", "2026-12-07T03:00:00Z", Decision.Allow)]
    public void RevokeByPrincipalTag_DeniesOnlyThatOrganizationsOlderSessions(string tag, string issued, Decision expected)
        => Assert.Equal(expected, Decide(RevokeAcmeByTag, Issued(issued), ("aws:PrincipalTag/organizationId", tag), Session("abac")));

    [Fact]
    public void RevokeByPrincipalTag_UntaggedSession_IsNotMatched()
        => Assert.Equal(Decision.Allow, Decide(RevokeAcmeByTag, Issued("2026-12-07T03:00:00Z"), Session("acme+read-write")));

    /// <summary>ISO 8601 forms of the same instant compare as instants, not as text.</summary>
    [Theory]
    [InlineData("2026-12-07T03:30:00.000Z")]
    [InlineData("2026-12-07T04:30:00+01:00")]
    [InlineData("1796614200")] // epoch seconds
    public void DateOperators_CompareInstants(string cutoff)
    {
        var revocation = Revocation($$$"""{"DateLessThan":{"aws:TokenIssueTime":"{{{cutoff}}}"}}""");

        Assert.Equal(Decision.ExplicitDeny, Decide(revocation, Issued("2026-12-07T03:29:59Z")));
        Assert.Equal(Decision.Allow, Decide(revocation, Issued("2026-12-07T03:30:00Z")));
    }

    [Theory]
    [InlineData("DateGreaterThan", "2026-12-07T03:30:01Z", true)]
    [InlineData("DateGreaterThan", "2026-12-07T03:30:00Z", false)]
    [InlineData("DateGreaterThanEquals", "2026-12-07T03:30:00Z", true)]
    [InlineData("DateGreaterThanEquals", "2026-12-07T03:29:59Z", false)]
    [InlineData("DateLessThanEquals", "2026-12-07T03:30:00Z", true)]
    [InlineData("DateLessThanEquals", "2026-12-07T03:30:01Z", false)]
    [InlineData("DateEquals", "2026-12-07T03:30:00Z", true)]
    [InlineData("DateNotEquals", "2026-12-07T03:30:00Z", false)]
    [InlineData("DateNotEquals", "2026-12-07T03:30:01Z", true)]
    public void DateOperators_OnTokenIssueTime(string op, string issued, bool denies)
    {
        var revocation = Revocation($$$"""{"{{{op}}}":{"aws:TokenIssueTime":"{{{Cutoff}}}"}}""");

        Assert.Equal(denies ? Decision.ExplicitDeny : Decision.Allow, Decide(revocation, Issued(issued)));
    }

    [Fact]
    public void UnknownDateOperator_InADeny_FailsClosed()
    {
        // A misspelt operator must not silently un-revoke: the Deny applies to every request.
        var typo = Revocation($$$"""{"DateLessThen":{"aws:TokenIssueTime":"{{{Cutoff}}}"}}""");

        Assert.Equal(Decision.ExplicitDeny, Decide(typo, Issued("2026-12-07T03:31:00Z")));
    }

    [Fact]
    public void UnparsableTokenIssueTime_DoesNotMatch()
    {
        // A context value that is not a date never satisfies a Date operator (IAM: the condition is false).
        Assert.Equal(Decision.Allow, Decide(RevokeOlderSessions, Issued("yesterday")));
        Assert.Equal(Decision.ExplicitDeny, Decide(RevokeOlderSessions, Issued("2026-12-07T03:29:59Z")));
    }
}
