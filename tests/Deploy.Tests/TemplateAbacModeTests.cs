using System.Text.Json.Nodes;
using Gateway.Policies;
using Gateway.Policies.Documents;
using Gateway.Policies.Evaluation;
using Gateway.Policies.SessionPolicies;

namespace Deploy.Tests;

/// <summary>
/// The template with <c>PolicyMode=Abac</c> (issue 23 item 3): a tenant role per permission set whose policy is the one
/// <see cref="SessionPolicyBuilder.BuildAbac"/> writes (LeadingKeys against <c>${aws:PrincipalTag/organizationId}</c> and
/// its shard keys), a trust that requires a well-formed <c>organizationId</c> tag, and the gateway and operator grants
/// covering both roles. The default (<c>SessionPolicy</c>) stays as it was: one role, no tag required. Every deny here
/// has its allow twin.
/// </summary>
public class TemplateAbacModeTests
{
    private const string ExistingUser = "arn:aws:iam::123456789012:user/gateway";
    private const string Operator = "arn:aws:iam::123456789012:user/operator";

    /// <summary>Permission set → the template's role for it in Abac mode.</summary>
    public static TheoryData<string, string> Roles => new() { { "read-write", "TenantRole" }, { "read-only", "TenantReadOnlyRole" } };

    private static Stack Abac(Dictionary<string, string>? more = null)
    {
        var parameters = new Dictionary<string, string>(more ?? [], StringComparer.Ordinal) { ["PolicyMode"] = "Abac" };
        return new Stack(parameters);
    }

    [Fact]
    public void DefaultMode_IsSessionPolicy_OneRole_RolePolicyWithoutPrincipalTag()
    {
        var stack = new Stack();

        Assert.Equal("SessionPolicy", stack.Template.Map("Parameters").Map("PolicyMode").Str("Default"));
        Assert.False(stack.Exists("TenantReadOnlyRole"));
        Assert.False(stack.OutputExists("TenantReadOnlyRoleArn"));
        Assert.DoesNotContain("PrincipalTag", stack.Resolved("TenantRole", "Policies")!.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("RequestTag", stack.Resolved("TenantRole", "AssumeRolePolicyDocument")!.ToJsonString(), StringComparison.Ordinal);
        Assert.True(Abac().Exists("TenantReadOnlyRole"));
    }

    /// <summary>The template's role policy for each permission set is exactly what the builder says to attach, for the
    /// permission sets the stack's own TenantIsolationSettings output configures (a drift in either fails).</summary>
    [Theory]
    [MemberData(nameof(Roles))]
    public void AbacMode_EachPermissionSetsRolePolicy_IsTheBuildersAbacRolePolicy(string permissionSet, string role)
    {
        var stack = Abac(new() { ["ApplicationsTableName"] = "prod-Applications" });
        var settings = Settings(stack);
        var set = PermissionSet(settings, permissionSet);
        var expected = new SessionPolicyBuilder(new AwsScope { AccountId = Stack.AccountId, Region = Stack.Region }).BuildAbac(OrganizationId.Parse("acme"), set).RolePolicy;

        var policy = Assert.Single(stack.Resolved(role, "Policies")!.AsArray())!;
        var document = PolicyDocument.Parse(policy["PolicyDocument"]!.ToJsonString());
        var withoutSids = document with { Statements = document.Statements.Select(s => s with { Sid = null }).ToList() };

        Assert.Equal(expected, withoutSids);
        Assert.Equal(stack.Arn(role), (string?)settings["PermissionSets"]![permissionSet]!["RoleArn"]);
    }

    [Fact]
    public void AbacMode_SettingsOutput_ModeAbac_RoleArnIsTheReadWriteRole_ReadOnlyRoleOutput()
    {
        var stack = Abac();
        var settings = Settings(stack);

        Assert.Equal("Abac", (string?)settings["Mode"]);
        Assert.Equal(stack.Arn("TenantRole"), (string?)settings["RoleArn"]);
        Assert.Equal($"arn:aws:iam::{Stack.AccountId}:role/TenantDataAccess-read-only", stack.ResolvedOutput("TenantReadOnlyRoleArn")!.GetValue<string>());
        Assert.Equal("SessionPolicy", (string?)Settings(new Stack())["Mode"]);
    }

    [Theory]
    [InlineData("TenantRole", "acme", "dynamodb:GetItem", true)]
    [InlineData("TenantRole", "acme#0", "dynamodb:PutItem", true)]
    [InlineData("TenantRole", "acme#63", "dynamodb:Query", true)]
    [InlineData("TenantRole", "acme-2", "dynamodb:GetItem", false)]
    [InlineData("TenantRole", "acme.x", "dynamodb:GetItem", false)]
    [InlineData("TenantRole", "acmex", "dynamodb:GetItem", false)]
    [InlineData("TenantRole", "acmex#0", "dynamodb:PutItem", false)]
    [InlineData("TenantRole", "acme-2#1", "dynamodb:PutItem", false)]
    [InlineData("TenantRole", "ACME#1", "dynamodb:GetItem", false)]
    [InlineData("TenantRole", "globex", "dynamodb:GetItem", false)]
    [InlineData("TenantReadOnlyRole", "acme#3", "dynamodb:GetItem", true)]
    [InlineData("TenantReadOnlyRole", "acme#3", "dynamodb:PutItem", false)]
    [InlineData("TenantReadOnlyRole", "acme", "dynamodb:BatchWriteItem", false)]
    [InlineData("TenantReadOnlyRole", "acme-2#3", "dynamodb:GetItem", false)]
    public void AbacMode_RolePolicy_SessionTaggedAcme(string role, string leadingKey, string action, bool allowed)
    {
        var stack = Abac();
        var policy = RolePolicy(stack, role);
        var context = Context(("dynamodb:LeadingKeys", [leadingKey]), ("aws:PrincipalTag/organizationId", ["acme"]));

        Assert.Equal(allowed, PolicyEvaluator.Evaluate(policy, new AuthorizationRequest(action, stack.Arn("ApplicationsTable"), context)).IsAllowed);
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void AbacMode_RolePolicy_SessionWithoutTheTag_NothingAllowed(string permissionSet, string role)
    {
        _ = permissionSet;
        var stack = Abac();
        var policy = RolePolicy(stack, role);
        var untagged = Context(("dynamodb:LeadingKeys", ["acme"]));
        var tagged = Context(("dynamodb:LeadingKeys", ["acme"]), ("aws:PrincipalTag/organizationId", ["acme"]));

        Assert.False(PolicyEvaluator.Evaluate(policy, new AuthorizationRequest("dynamodb:GetItem", stack.Arn("ApplicationsTable"), untagged)).IsAllowed);
        Assert.True(PolicyEvaluator.Evaluate(policy, new AuthorizationRequest("dynamodb:GetItem", stack.Arn("ApplicationsTable"), tagged)).IsAllowed);
    }

    [Theory]
    [InlineData("TenantRole", "")]
    [InlineData("TenantRole", ExistingUser)]
    [InlineData("TenantReadOnlyRole", "")]
    [InlineData("TenantReadOnlyRole", ExistingUser)]
    public void AbacMode_Trust_GatewayWithSourceIdentityAndOrganizationTag_MayAssumeTagAndSetIt(string role, string gatewayPrincipalArn)
    {
        var stack = Abac(new() { ["GatewayPrincipalArn"] = gatewayPrincipalArn });
        var (trust, gateway) = Trust(stack, role, gatewayPrincipalArn);
        var context = Request("acme");

        Assert.True(Evaluate(trust, "sts:AssumeRole", stack.Arn(role), context, gateway).IsAllowed);
        Assert.True(Evaluate(trust, "sts:TagSession", stack.Arn(role), context, gateway).IsAllowed);
        Assert.True(Evaluate(trust, "sts:SetSourceIdentity", stack.Arn(role), context, gateway).IsAllowed);
        Assert.False(Evaluate(trust, "sts:AssumeRole", stack.Arn(role), context, "arn:aws:iam::123456789012:role/SomethingElse").IsAllowed);
    }

    /// <summary>Without the tag, with an empty one, or with one holding <c>#</c>, <c>*</c> or <c>?</c> (which would widen the
    /// role policy's patterns), AssumeRole is explicitly denied; the same request with <c>acme</c> is allowed above.</summary>
    [Theory]
    [InlineData("TenantRole", null)]
    [InlineData("TenantRole", "")]
    [InlineData("TenantRole", "acme#1")]
    [InlineData("TenantRole", "#")]
    [InlineData("TenantRole", "*")]
    [InlineData("TenantRole", "ac*")]
    [InlineData("TenantRole", "acm?")]
    [InlineData("TenantReadOnlyRole", null)]
    [InlineData("TenantReadOnlyRole", "acme#")]
    [InlineData("TenantReadOnlyRole", "*")]
    public void AbacMode_Trust_MissingOrMalformedOrganizationTag_ExplicitlyDenied(string role, string? tag)
    {
        var stack = Abac();
        var (trust, gateway) = Trust(stack, role, "");

        var assume = Evaluate(trust, "sts:AssumeRole", stack.Arn(role), Request(tag), gateway);

        Assert.Equal(Decision.ExplicitDeny, assume.Decision);
        Assert.True(Evaluate(trust, "sts:AssumeRole", stack.Arn(role), Request("acme-2.x_1"), gateway).IsAllowed);
    }

    /// <summary>SessionPolicy mode is unchanged: no tag required (the twin of the Abac denial).</summary>
    [Fact]
    public void SessionPolicyMode_Trust_NoTagRequired()
    {
        var stack = new Stack();
        var (trust, gateway) = Trust(stack, "TenantRole", "");

        Assert.True(Evaluate(trust, "sts:AssumeRole", stack.Arn("TenantRole"), Request(null), gateway).IsAllowed);
        Assert.Equal(Decision.ExplicitDeny, Evaluate(Trust(Abac(), "TenantRole", "").Trust, "sts:AssumeRole", stack.Arn("TenantRole"), Request(null), gateway).Decision);
    }

    [Fact]
    public void AbacMode_GatewayPolicy_AssumesAndInspectsBothRoles_NothingElse()
    {
        var stack = Abac(new() { ["GatewayPrincipalArn"] = ExistingUser });
        var policy = PolicyDocument.Parse(stack.Resolved("GatewayPolicy", "PolicyDocument")!.ToJsonString());

        foreach (var role in new[] { "TenantRole", "TenantReadOnlyRole" })
        {
            foreach (var action in new[] { "sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity", "iam:GetRole", "iam:GetRolePolicy" })
            {
                Assert.True(PolicyEvaluator.Evaluate(policy, new AuthorizationRequest(action, stack.Arn(role), RequestContext.Empty)).IsAllowed, $"{action} on {role}");
            }

            Assert.False(PolicyEvaluator.Evaluate(policy, new AuthorizationRequest("iam:PutRolePolicy", stack.Arn(role), RequestContext.Empty)).IsAllowed);
        }

        Assert.False(PolicyEvaluator.Evaluate(policy, new AuthorizationRequest("sts:AssumeRole", $"arn:aws:iam::{Stack.AccountId}:role/TenantDataAccess-admin", RequestContext.Empty)).IsAllowed);
        var sessionPolicyMode = PolicyDocument.Parse(new Stack().Resolved("GatewayPolicy", "PolicyDocument")!.ToJsonString());
        Assert.False(PolicyEvaluator.Evaluate(sessionPolicyMode, new AuthorizationRequest("sts:AssumeRole", stack.Arn("TenantReadOnlyRole"), RequestContext.Empty)).IsAllowed);
    }

    [Fact]
    public void AbacMode_RevocationPolicy_CoversBothTenantRoles()
    {
        var stack = Abac(new() { ["OperatorPrincipalArn"] = Operator });
        var policy = PolicyDocument.Parse(stack.Resolved("TenantRevocationPolicy", "PolicyDocument")!.ToJsonString());

        Assert.True(PolicyEvaluator.Evaluate(policy, new AuthorizationRequest("iam:PutRolePolicy", stack.Arn("TenantRole"), RequestContext.Empty)).IsAllowed);
        Assert.True(PolicyEvaluator.Evaluate(policy, new AuthorizationRequest("iam:PutRolePolicy", stack.Arn("TenantReadOnlyRole"), RequestContext.Empty)).IsAllowed);
        Assert.False(PolicyEvaluator.Evaluate(policy, new AuthorizationRequest("iam:PutRolePolicy", stack.Arn("GatewayRole"), RequestContext.Empty)).IsAllowed);
    }

    private static JsonNode Settings(Stack stack) => JsonNode.Parse(stack.ResolvedOutput("TenantIsolationSettings")!.GetValue<string>())!["TenantIsolation"]!;

    /// <summary>The permission set as the gateway builds it from TenantIsolation:Tables and :PermissionSets (ReadWrite / Read).</summary>
    private static PermissionSet PermissionSet(JsonNode settings, string name)
    {
        var tables = settings["PermissionSets"]![name]!["Tables"]!.AsObject().Select(t =>
        {
            var options = settings["Tables"]![t.Key]!;
            var access = (string)t.Value!;
            return new TableAccess
            {
                TableName = t.Key,
                PartitionKey = (string)options["PartitionKey"]!,
                Read = access is "Read" or "ReadWrite",
                Write = access is "Write" or "ReadWrite",
                IncludeIndexes = (bool)options["IncludeIndexes"]!,
                Indexes = options["Indexes"]!.AsArray().Select(i => (string)i!).ToList(),
                PartiQL = (bool)options["PartiQL"]!,
            };
        }).ToList();
        return new PermissionSet { Name = name, Tables = tables };
    }

    private static PolicyDocument RolePolicy(Stack stack, string role)
        => PolicyDocument.Parse(Assert.Single(stack.Resolved(role, "Policies")!.AsArray())!["PolicyDocument"]!.ToJsonString());

    private static (PolicyDocument Trust, string Gateway) Trust(Stack stack, string role, string gatewayPrincipalArn)
        => (PolicyDocument.Parse(stack.Resolved(role, "AssumeRolePolicyDocument")!.ToJsonString()), gatewayPrincipalArn.Length == 0 ? stack.Arn("GatewayRole") : gatewayPrincipalArn);

    /// <summary>An AssumeRole's request keys: a SourceIdentity and, unless null, the organizationId session tag.</summary>
    private static RequestContext Request(string? tag)
        => tag is null
            ? Context(("sts:SourceIdentity", ["alice"]))
            : Context(("sts:SourceIdentity", ["alice"]), ("aws:TagKeys", ["organizationId"]), ("aws:RequestTag/organizationId", [tag]));

    private static EvaluationResult Evaluate(PolicyDocument trust, string action, string role, RequestContext context, string principal)
        => PolicyEvaluator.EvaluateTrust(trust, new AuthorizationRequest(action, role, context) { PrincipalArn = principal });

    private static RequestContext Context(params (string Key, string[] Values)[] keys)
        => new(keys.ToDictionary(k => k.Key, k => (IReadOnlyList<string>)k.Values, StringComparer.OrdinalIgnoreCase));
}
