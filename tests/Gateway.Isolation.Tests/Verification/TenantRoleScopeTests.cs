using Gateway.Isolation.Configuration;
using Gateway.Policies.Documents;
using Gateway.Verification;

namespace Gateway.Isolation.Tests.Verification;

public sealed class TenantRoleScopeTests
{
    /// <summary>One statement with <paramref name="conditions"/> (the Condition object's members, <c>'</c> for <c>"</c>).</summary>
    private static PolicyDocument Role(string conditions, string actions = "['dynamodb:GetItem','dynamodb:PutItem']", string effect = "Allow")
        => PolicyDocument.Parse(("{'Version':'2012-10-17','Statement':[{'Sid':'TenantItemActions','Effect':'" + effect + "','Action':" + actions
            + ",'Resource':'arn:aws:dynamodb:us-east-1:000000000000:table/Applications','Condition':{" + conditions + "}}]}").Replace('\'', '"'));

    [Theory]
    // The template's SessionPolicy-mode role: the Null guard only (the session policy names the keys).
    [InlineData(IsolationMode.SessionPolicy, "'Null':{'dynamodb:LeadingKeys':'false'}")]
    // ABAC: the tag exactly, and its shards.
    [InlineData(IsolationMode.Abac, "'Null':{'dynamodb:LeadingKeys':'false'},'ForAllValues:StringLike':{'dynamodb:LeadingKeys':['${aws:PrincipalTag/organizationId}','${aws:PrincipalTag/organizationId}#*']}")]
    [InlineData(IsolationMode.Abac, "'Null':{'dynamodb:LeadingKeys':'false'},'ForAllValues:StringEquals':{'dynamodb:LeadingKeys':'${aws:PrincipalTag/organizationId}'}")]
    [InlineData(IsolationMode.SessionPolicy, "'Null':{'dynamodb:LeadingKeys':'false'},'ForAllValues:StringLike':{'dynamodb:LeadingKeys':['acme','acme#*']}")]
    public void Problems_OrganizationAndShardKeysOnlyWithTheGuard_None(IsolationMode mode, string conditions)
        => Assert.Empty(TenantRoleScope.Problems("TenantItemAccess", Role(conditions), mode));

    [Theory]
    // The widening this check exists for: {org}* without the '#' admits {org}x, {org}-2, …
    [InlineData(IsolationMode.Abac, "'Null':{'dynamodb:LeadingKeys':'false'},'ForAllValues:StringLike':{'dynamodb:LeadingKeys':'${aws:PrincipalTag/organizationId}*'}", "StringLike ${aws:PrincipalTag/organizationId}* on dynamodb:LeadingKeys admits other organizations' keys")]
    [InlineData(IsolationMode.SessionPolicy, "'Null':{'dynamodb:LeadingKeys':'false'},'ForAllValues:StringLike':{'dynamodb:LeadingKeys':['${aws:PrincipalTag/organizationId}','${aws:PrincipalTag/organizationId}*']}", "StringLike ${aws:PrincipalTag/organizationId}* on")]
    [InlineData(IsolationMode.Abac, "'Null':{'dynamodb:LeadingKeys':'false'},'ForAllValues:StringLike':{'dynamodb:LeadingKeys':'${aws:PrincipalTag/organizationId}#?*'}", "StringLike ${aws:PrincipalTag/organizationId}#?* on")]
    [InlineData(IsolationMode.Abac, "'Null':{'dynamodb:LeadingKeys':'false'},'ForAllValues:StringLike':{'dynamodb:LeadingKeys':'*'}", "StringLike * on")]
    [InlineData(IsolationMode.SessionPolicy, "'Null':{'dynamodb:LeadingKeys':'false'},'ForAllValues:StringLike':{'dynamodb:LeadingKeys':'acme*'}", "StringLike acme* on")]
    [InlineData(IsolationMode.Abac, "'Null':{'dynamodb:LeadingKeys':'false'},'ForAnyValue:StringEquals':{'dynamodb:LeadingKeys':'${aws:PrincipalTag/organizationId}'}", "ForAnyValue:StringEquals on dynamodb:LeadingKeys")]
    [InlineData(IsolationMode.Abac, "'Null':{'dynamodb:LeadingKeys':'false'},'StringEquals':{'dynamodb:LeadingKeys':'${aws:PrincipalTag/organizationId}'}", "StringEquals on dynamodb:LeadingKeys")]
    [InlineData(IsolationMode.Abac, "'ForAllValues:StringEquals':{'dynamodb:LeadingKeys':'${aws:PrincipalTag/organizationId}'}", "no Null guard")]
    [InlineData(IsolationMode.Abac, "'Null':{'dynamodb:LeadingKeys':'false'}", "no dynamodb:LeadingKeys comparison")]
    public void Problems_WidenedOrUnguarded_NamedWithPolicyAndSid(IsolationMode mode, string conditions, string expected)
    {
        var problem = Assert.Single(TenantRoleScope.Problems("TenantItemAccess", Role(conditions), mode));

        Assert.StartsWith("TenantItemAccess TenantItemActions: ", problem, StringComparison.Ordinal);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_DenyAndNonDynamoDbStatements_Ignored()
    {
        Assert.Empty(TenantRoleScope.Problems("tenant-revocations", Role("'DateLessThan':{'aws:TokenIssueTime':'2026-12-07T00:00:00Z'}", "'*'", "Deny"), IsolationMode.Abac));
        Assert.Empty(TenantRoleScope.Problems("other", Role("'Bool':{'aws:SecureTransport':'true'}", "'s3:GetObject'"), IsolationMode.Abac));
        // …but an Allow of every action is a DynamoDB grant.
        Assert.Contains("no Null guard", Assert.Single(TenantRoleScope.Problems("wide", Role("'Bool':{'aws:SecureTransport':'true'}", "'*'"), IsolationMode.SessionPolicy)), StringComparison.Ordinal);
    }
}
