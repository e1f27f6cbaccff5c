using Gateway.Policies.Documents;
using Gateway.Policies.Evaluation;

namespace Deploy.Tests;

/// <summary>
/// The template's policies, resolved for a stack and evaluated with the project's IAM evaluator (the one LocalAws
/// enforces with): who may assume the tenant role, and what a tenant session and the gateway may touch.
/// </summary>
public class TemplateIamEvaluationTests
{
    private const string ExistingUser = "arn:aws:iam::123456789012:user/gateway";
    private const string Operator = "arn:aws:iam::123456789012:user/operator";
    private const string Intruder = "arn:aws:iam::123456789012:role/SomethingElse";

    public static TheoryData<string> GatewayPrincipals => new() { "", ExistingUser };

    [Theory]
    [MemberData(nameof(GatewayPrincipals))]
    public void Trust_GatewayWithSourceIdentity_MayAssumeAndSetIt(string gatewayPrincipalArn)
    {
        var (stack, trust, gateway) = Trust(gatewayPrincipalArn);
        var context = Context(("sts:SourceIdentity", ["user-1"]));
        Assert.True(Evaluate(trust, "sts:AssumeRole", stack.Arn("TenantRole"), context, gateway).IsAllowed);
        Assert.True(Evaluate(trust, "sts:SetSourceIdentity", stack.Arn("TenantRole"), context, gateway).IsAllowed);
    }

    [Theory]
    [MemberData(nameof(GatewayPrincipals))]
    public void Trust_SessionWithoutSourceIdentity_IsRefused(string gatewayPrincipalArn)
    {
        var (stack, trust, gateway) = Trust(gatewayPrincipalArn);
        var result = Evaluate(trust, "sts:AssumeRole", stack.Arn("TenantRole"), RequestContext.Empty, gateway);
        Assert.Equal(Decision.ExplicitDeny, result.Decision);
    }

    [Theory]
    [MemberData(nameof(GatewayPrincipals))]
    public void Trust_AnyOtherPrincipal_IsRefused(string gatewayPrincipalArn)
    {
        var (stack, trust, _) = Trust(gatewayPrincipalArn);
        var context = Context(("sts:SourceIdentity", ["user-1"]));
        Assert.False(Evaluate(trust, "sts:AssumeRole", stack.Arn("TenantRole"), context, Intruder).IsAllowed);
        Assert.False(Evaluate(trust, "sts:TagSession", stack.Arn("TenantRole"), Context(("aws:TagKeys", ["organizationId"])), Intruder).IsAllowed);
    }

    [Fact]
    public void Trust_SessionTags_OnlyOrganizationId()
    {
        var (stack, trust, gateway) = Trust("");
        var role = stack.Arn("TenantRole");
        Assert.True(Evaluate(trust, "sts:TagSession", role, Context(("aws:TagKeys", ["organizationId"])), gateway).IsAllowed);
        Assert.False(Evaluate(trust, "sts:TagSession", role, Context(("aws:TagKeys", ["organizationId", "admin"])), gateway).IsAllowed);
        Assert.False(Evaluate(trust, "sts:TagSession", role, Context(("aws:TagKeys", ["department"])), gateway).IsAllowed);
        Assert.False(Evaluate(trust, "sts:TagSession", role, RequestContext.Empty, gateway).IsAllowed);
    }

    [Theory]
    [InlineData("dynamodb:GetItem", "", true)]
    [InlineData("dynamodb:Query", "/index/ByName", true)]
    [InlineData("dynamodb:BatchWriteItem", "", true)]
    [InlineData("dynamodb:Query", "/index/Other", false)]
    [InlineData("dynamodb:Scan", "", false)]
    [InlineData("dynamodb:Scan", "/index/ByName", false)]
    [InlineData("dynamodb:DescribeTable", "", false)]
    [InlineData("dynamodb:PartiQLSelect", "", false)]
    [InlineData("dynamodb:DeleteTable", "", false)]
    public void TenantRole_WithPartitionKey(string action, string suffix, bool allowed)
    {
        var stack = new Stack();
        var policy = Policy(stack.Resolved("TenantRole", "Policies")!.AsArray().Single()!["PolicyDocument"]!);
        var context = Context(("dynamodb:LeadingKeys", ["org-a"]));
        Assert.Equal(allowed, PolicyEvaluator.Evaluate(policy, new AuthorizationRequest(action, stack.Arn("ApplicationsTable") + suffix, context)).IsAllowed);
    }

    [Theory]
    [InlineData("ApplicationsTable", "dynamodb:GetItem")]
    [InlineData("ApplicationsTable", "dynamodb:Query")]
    [InlineData("OrganizationsTable", "dynamodb:GetItem")]
    [InlineData("OrganizationUsersTable", "dynamodb:GetItem")]
    public void TenantRole_RefusesRequestsWithoutPartitionKeyAndOtherTables(string table, string action)
    {
        var stack = new Stack();
        var policy = Policy(stack.Resolved("TenantRole", "Policies")!.AsArray().Single()!["PolicyDocument"]!);
        var withKey = Context(("dynamodb:LeadingKeys", ["org-a"]));
        if (table == "ApplicationsTable")
        {
            Assert.False(PolicyEvaluator.Evaluate(policy, new AuthorizationRequest(action, stack.Arn(table), RequestContext.Empty)).IsAllowed);
        }
        else
        {
            Assert.False(PolicyEvaluator.Evaluate(policy, new AuthorizationRequest(action, stack.Arn(table), withKey)).IsAllowed);
        }
    }

    [Theory]
    [InlineData("dynamodb:GetItem", "OrganizationUsersTable", true)]
    [InlineData("dynamodb:GetItem", "OrganizationsTable", true)]
    [InlineData("dynamodb:GetItem", "ApplicationsTable", false)]
    [InlineData("dynamodb:Query", "OrganizationUsersTable", false)]
    [InlineData("dynamodb:PutItem", "OrganizationUsersTable", false)]
    [InlineData("sts:AssumeRole", "TenantRole", true)]
    [InlineData("sts:AssumeRole", "GatewayRole", false)]
    [InlineData("iam:GetRole", "TenantRole", true)]
    [InlineData("iam:GetRole", "GatewayRole", false)]
    [InlineData("iam:GetRolePolicy", "TenantRole", true)]
    [InlineData("iam:GetRolePolicy", "GatewayRole", false)]
    [InlineData("iam:PutRolePolicy", "TenantRole", false)]
    [InlineData("iam:DeleteRolePolicy", "TenantRole", false)]
    [InlineData("iam:ListRolePolicies", "TenantRole", true)]
    [InlineData("iam:ListRolePolicies", "GatewayRole", false)]
    [InlineData("iam:AttachRolePolicy", "TenantRole", false)]
    [InlineData("iam:PutRolePolicy", "GatewayRole", false)]
    [InlineData("iam:UpdateAssumeRolePolicy", "TenantRole", false)]
    [InlineData("iam:ListRoles", "TenantRole", false)]
    public void GatewayPolicy_Allows(string action, string resource, bool allowed)
    {
        var stack = new Stack();
        var policy = Policy(stack.Resolved("GatewayPolicy", "PolicyDocument")!);
        var context = Context(("dynamodb:LeadingKeys", ["user-1"]));
        Assert.Equal(allowed, PolicyEvaluator.Evaluate(policy, new AuthorizationRequest(action, stack.Arn(resource), context)).IsAllowed);
    }

    [Theory]
    [InlineData("ssm:GetParameters", "/tenant-gateway/applications/current", true)]
    [InlineData("ssm:GetParameter", "/tenant-gateway/applications/previous", true)]
    [InlineData("ssm:GetParameters", "/other-service/database-password", false)]
    [InlineData("ssm:GetParametersByPath", "/tenant-gateway/applications/current", false)]
    [InlineData("ssm:PutParameter", "/tenant-gateway/applications/current", false)]
    public void GatewayPolicy_EnvelopeKeyParameters_OnlyReadUnderThePath(string action, string name, bool allowed)
    {
        var stack = new Stack();
        var policy = Policy(stack.Resolved("GatewayPolicy", "PolicyDocument")!);
        var arn = $"arn:aws:ssm:{Stack.Region}:{Stack.AccountId}:parameter{name}";
        Assert.Equal(allowed, PolicyEvaluator.Evaluate(policy, new AuthorizationRequest(action, arn, RequestContext.Empty)).IsAllowed);
    }

    [Theory]
    [InlineData("ssm.us-east-1.amazonaws.com", "/tenant-gateway/applications/current", true)]
    [InlineData("", "/tenant-gateway/applications/current", false)]
    [InlineData("s3.us-east-1.amazonaws.com", "/tenant-gateway/applications/current", false)]
    [InlineData("ssm.us-east-1.amazonaws.com", "/other-service/database-password", false)]
    public void GatewayPolicy_KmsDecrypt_OnlyThroughSsmForItsParameters(string viaService, string name, bool allowed)
    {
        var stack = new Stack();
        var policy = Policy(stack.Resolved("GatewayPolicy", "PolicyDocument")!);
        var keys = new List<(string, string[])> { ("kms:EncryptionContext:PARAMETER_ARN", [$"arn:aws:ssm:{Stack.Region}:{Stack.AccountId}:parameter{name}"]) };
        if (viaService.Length > 0)
        {
            keys.Add(("kms:ViaService", [viaService]));
        }

        var key = $"arn:aws:kms:{Stack.Region}:{Stack.AccountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        Assert.Equal(allowed, PolicyEvaluator.Evaluate(policy, new AuthorizationRequest("kms:Decrypt", key, Context([.. keys]))).IsAllowed);
    }

    [Theory]
    [InlineData("iam:GetRole", "TenantRole", true)]
    [InlineData("iam:ListRolePolicies", "TenantRole", true)]
    [InlineData("iam:GetRolePolicy", "TenantRole", true)]
    [InlineData("iam:PutRolePolicy", "TenantRole", true)]
    [InlineData("iam:DeleteRolePolicy", "TenantRole", true)]
    [InlineData("iam:PutRolePolicy", "GatewayRole", false)]
    [InlineData("iam:GetRolePolicy", "GatewayRole", false)]
    [InlineData("iam:AttachRolePolicy", "TenantRole", false)]
    [InlineData("iam:UpdateAssumeRolePolicy", "TenantRole", false)]
    [InlineData("iam:DeleteRole", "TenantRole", false)]
    [InlineData("iam:PutRolePermissionsBoundary", "TenantRole", false)]
    [InlineData("sts:AssumeRole", "TenantRole", false)]
    [InlineData("dynamodb:GetItem", "ApplicationsTable", false)]
    public void RevocationPolicy_OperatorMayOnlyManageTheTenantRolesInlinePolicies(string action, string resource, bool allowed)
    {
        var stack = new Stack(new Dictionary<string, string> { ["OperatorPrincipalArn"] = Operator });
        var policy = Policy(stack.Resolved("TenantRevocationPolicy", "PolicyDocument")!);
        var request = new AuthorizationRequest(action, stack.Arn(resource), RequestContext.Empty) { PrincipalArn = Operator };
        Assert.Equal(allowed, PolicyEvaluator.Evaluate(policy, request).IsAllowed);
    }

    [Theory]
    [InlineData("iam:PutRolePolicy", false)]
    [InlineData("iam:DeleteRolePolicy", false)]
    [InlineData("iam:GetRolePolicy", true)]
    public void Gateway_WithAnOperatorConfigured_StillCannotWriteTheTenantRole(string action, bool allowed)
    {
        // The operator grant is a separate policy: the gateway's policy is the same with or without it, and the
        // tenant role's trust admits the gateway only (the operator does not become a second trusted principal).
        var stack = new Stack(new Dictionary<string, string> { ["GatewayPrincipalArn"] = ExistingUser, ["OperatorPrincipalArn"] = Operator });
        var policy = Policy(stack.Resolved("GatewayPolicy", "PolicyDocument")!);
        Assert.Equal(allowed, PolicyEvaluator.Evaluate(policy, new AuthorizationRequest(action, stack.Arn("TenantRole"), RequestContext.Empty)).IsAllowed);
        var trust = Policy(stack.Resolved("TenantRole", "AssumeRolePolicyDocument")!);
        Assert.False(Evaluate(trust, "sts:AssumeRole", stack.Arn("TenantRole"), Context(("sts:SourceIdentity", ["user-1"])), Operator).IsAllowed);
        Assert.True(Evaluate(trust, "sts:AssumeRole", stack.Arn("TenantRole"), Context(("sts:SourceIdentity", ["user-1"])), ExistingUser).IsAllowed);
    }

    private static (Stack Stack, PolicyDocument Trust, string Gateway) Trust(string gatewayPrincipalArn)
    {
        var stack = new Stack(new Dictionary<string, string> { ["GatewayPrincipalArn"] = gatewayPrincipalArn });
        var gateway = gatewayPrincipalArn.Length == 0 ? stack.Arn("GatewayRole") : gatewayPrincipalArn;
        return (stack, Policy(stack.Resolved("TenantRole", "AssumeRolePolicyDocument")!), gateway);
    }

    private static EvaluationResult Evaluate(PolicyDocument trust, string action, string role, RequestContext context, string principal)
        => PolicyEvaluator.EvaluateTrust(trust, new AuthorizationRequest(action, role, context) { PrincipalArn = principal });

    private static PolicyDocument Policy(System.Text.Json.Nodes.JsonNode document) => PolicyDocument.Parse(document.ToJsonString());

    private static RequestContext Context(params (string Key, string[] Values)[] keys)
        => new(keys.ToDictionary(k => k.Key, k => (IReadOnlyList<string>)k.Values, StringComparer.OrdinalIgnoreCase));
}
