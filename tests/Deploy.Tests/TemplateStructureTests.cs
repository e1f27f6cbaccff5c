using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Deploy.Tests;

public class TemplateStructureTests
{
    private static readonly string[] TenantItemActions =
    [
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem",
        "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
    ];

    private const string Operator = "arn:aws:iam::123456789012:user/operator";

    private readonly Stack _stack = new();

    [Fact]
    public void Template_UsesOnlyLongFormIntrinsicsFromTheSupportedSubset()
    {
        var resources = _stack.Resources.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet(StringComparer.Ordinal);
        var parameters = _stack.Template.Map("Parameters").Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet(StringComparer.Ordinal);
        foreach (var node in _stack.Template.AllNodes)
        {
            Assert.True(node.Tag.IsEmpty, $"YAML tag {node.Tag} at {node.Start}: use the long form (Ref:, Fn::Sub:, ...), not !Ref / !Sub.");
            if (node is not YamlMappingNode mapping)
            {
                continue;
            }

            foreach (var (keyNode, value) in mapping.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value!;
                if (key != "Ref" && !key.StartsWith("Fn::", StringComparison.Ordinal))
                {
                    continue;
                }

                Assert.Contains(key, Stack.AllowedFunctions);
                if (key == "Ref")
                {
                    var target = ((YamlScalarNode)value).Value!;
                    Assert.True(resources.Contains(target) || parameters.Contains(target) || Stack.AllowedPseudoParameters.Contains(target), $"Ref {target}");
                }
                else if (key == "Fn::GetAtt")
                {
                    var parts = ((YamlSequenceNode)value).Children.Select(c => ((YamlScalarNode)c).Value).ToArray();
                    Assert.Equal(2, parts.Length);
                    Assert.Contains(parts[0]!, resources);
                    Assert.Equal("Arn", parts[1]);
                }
                else if (key == "Fn::Sub")
                {
                    foreach (var variable in Stack.SubVariable().Matches(((YamlScalarNode)value).Value!).Select(m => m.Groups[1].Value))
                    {
                        var name = variable.EndsWith(".Arn", StringComparison.Ordinal) ? variable[..^4] : variable;
                        Assert.True(resources.Contains(name) || parameters.Contains(name) || Stack.AllowedPseudoParameters.Contains(name), $"${{{variable}}}");
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData("OrganizationsTable", "organizationId", null)]
    [InlineData("ApplicationsTable", "organizationId", "applicationId")]
    [InlineData("OrganizationUsersTable", "userId", "organizationId")]
    public void Table_HasTheBriefsKeysAndProtection(string logicalId, string partitionKey, string? sortKey)
    {
        var properties = _stack.Properties(logicalId);
        var keys = properties.Seq("KeySchema").Children.Cast<YamlMappingNode>()
            .Select(k => (Name: k.Str("AttributeName"), Type: k.Str("KeyType"))).ToList();
        var expected = new List<(string?, string?)> { (partitionKey, "HASH") };
        if (sortKey is not null)
        {
            expected.Add((sortKey, "RANGE"));
        }

        Assert.Equal(expected, keys);
        foreach (var attribute in properties.Seq("AttributeDefinitions").Children.Cast<YamlMappingNode>())
        {
            Assert.Equal("S", attribute.Str("AttributeType"));
        }

        Assert.Equal("PAY_PER_REQUEST", properties.Str("BillingMode"));
        Assert.Equal("true", properties.Map("PointInTimeRecoverySpecification").Str("PointInTimeRecoveryEnabled"));
        Assert.Equal("true", properties.Map("SSESpecification").Str("SSEEnabled"));
        Assert.Equal("DeletionProtection", properties.Map("DeletionProtectionEnabled").Str("Ref"));
        Assert.Equal("Retain", _stack.Resource(logicalId).Str("DeletionPolicy"));
        Assert.Equal("Retain", _stack.Resource(logicalId).Str("UpdateReplacePolicy"));
    }

    [Fact]
    public void Applications_ByNameIndex_IsPartitionedByOrganization()
    {
        var index = _stack.Properties("ApplicationsTable").Seq("GlobalSecondaryIndexes").Children.Cast<YamlMappingNode>().Single();
        Assert.Equal("ByName", index.Str("IndexName"));
        var keys = index.Seq("KeySchema").Children.Cast<YamlMappingNode>().Select(k => (k.Str("AttributeName"), k.Str("KeyType"))).ToList();
        Assert.Equal([("organizationId", "HASH"), ("name", "RANGE")], keys);
    }

    [Fact]
    public void NoPolicyAnywhere_UsesWildcardActionsOrNotAction()
    {
        foreach (var mapping in _stack.Template.AllNodes.OfType<YamlMappingNode>())
        {
            Assert.Null(mapping.Get("NotAction"));
            if (mapping.Get("Action") is { } action)
            {
                var actions = action is YamlSequenceNode list ? list.Children.Select(c => ((YamlScalarNode)c).Value!) : [((YamlScalarNode)action).Value!];
                Assert.All(actions, a => Assert.DoesNotContain("*", a, StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void TenantRole_IdentityPolicy_GrantsOnlyItemActionsOnTheTenantTableAndByNameIndex()
    {
        var policies = _stack.Resolved("TenantRole", "Policies")!.AsArray();
        var statement = Assert.Single(Assert.Single(policies)!["PolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("Allow", (string?)statement["Effect"]);

        var actions = statement["Action"]!.AsArray().Select(a => (string)a!).ToList();
        var expected = TenantItemActions.ToList();
        if (AppSettingsUsePartiQL())
        {
            expected.AddRange(["dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete"]);
        }

        Assert.Equal(expected.Order(StringComparer.Ordinal), actions.Order(StringComparer.Ordinal));
        Assert.DoesNotContain("dynamodb:Scan", actions);
        Assert.DoesNotContain("dynamodb:DescribeTable", actions);

        var table = _stack.Arn("ApplicationsTable");
        Assert.Equal([table, table + "/index/ByName"], statement["Resource"]!.AsArray().Select(r => (string)r!));
        Assert.Equal("false", (string?)statement["Condition"]!["Null"]!["dynamodb:LeadingKeys"]);
        Assert.Equal(3600, int.Parse(_stack.Ref("MaxSessionDuration"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("MaxSessionDuration", _stack.Properties("TenantRole").Map("MaxSessionDuration").Str("Ref"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("arn:aws:iam::123456789012:role/ExistingGateway")]
    public void TenantRole_Trust_AllowsOnlyTheGatewayAndRequiresSourceIdentity(string gatewayPrincipalArn)
    {
        var stack = new Stack(new Dictionary<string, string> { ["GatewayPrincipalArn"] = gatewayPrincipalArn });
        var gateway = gatewayPrincipalArn.Length == 0 ? stack.Arn("GatewayRole") : gatewayPrincipalArn;
        var statements = stack.Resolved("TenantRole", "AssumeRolePolicyDocument", "Statement")!.AsArray().Select(s => s!.AsObject()).ToList();

        foreach (var allow in statements.Where(s => (string?)s["Effect"] == "Allow"))
        {
            var principal = allow["Principal"]!.AsObject();
            Assert.Equal(["AWS"], principal.Select(p => p.Key));
            Assert.Equal(gateway, (string?)principal["AWS"]);
        }

        var assume = Assert.Single(statements, s => (string?)s["Effect"] == "Allow" && Actions(s).Contains("sts:AssumeRole"));
        Assert.Equal(["sts:AssumeRole", "sts:SetSourceIdentity"], Actions(assume));
        Assert.Equal("false", (string?)assume["Condition"]!["Null"]!["sts:SourceIdentity"]);

        var tag = Assert.Single(statements, s => (string?)s["Effect"] == "Allow" && Actions(s).Contains("sts:TagSession"));
        Assert.Equal(["sts:TagSession"], Actions(tag));
        Assert.Equal(["organizationId"], tag["Condition"]!["ForAllValues:StringEquals"]!["aws:TagKeys"]!.AsArray().Select(k => (string)k!));
        Assert.Equal("false", (string?)tag["Condition"]!["Null"]!["aws:TagKeys"]);

        var deny = Assert.Single(statements, s => (string?)s["Effect"] == "Deny");
        Assert.Equal(["sts:AssumeRole"], Actions(deny));
        Assert.Equal("true", (string?)deny["Condition"]!["Null"]!["sts:SourceIdentity"]);
    }

    [Fact]
    public void GatewayPolicy_GrantsOnlyAssumeTenantRoleGetItemOnMembershipsAndItsEnvelopeKeyParameters()
    {
        var statements = _stack.Resolved("GatewayPolicy", "PolicyDocument", "Statement")!.AsArray().Select(s => s!.AsObject()).ToList();
        Assert.All(statements, s => Assert.Equal("Allow", (string?)s["Effect"]));
        Assert.Equal(
            ["dynamodb:GetItem", "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "kms:Decrypt", "ssm:GetParameter", "ssm:GetParameters", "sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
            statements.SelectMany(Actions).Order(StringComparer.Ordinal));

        var sts = Assert.Single(statements, s => Actions(s).Contains("sts:AssumeRole"));
        Assert.Equal([_stack.Arn("TenantRole")], Resources(sts));
        var inspect = Assert.Single(statements, s => Actions(s).Contains("iam:GetRole"));
        Assert.Equal("InspectTenantRole", (string?)inspect["Sid"]);
        Assert.Equal(["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies"], Actions(inspect));
        Assert.Equal([_stack.Arn("TenantRole")], Resources(inspect));
        var dynamo = Assert.Single(statements, s => Actions(s).Contains("dynamodb:GetItem"));
        Assert.Equal(
            new[] { _stack.Arn("OrganizationUsersTable"), _stack.Arn("OrganizationsTable") }.Order(StringComparer.Ordinal),
            dynamo["Resource"]!.AsArray().Select(r => (string)r!).Order(StringComparer.Ordinal));

        const string parameters = $"arn:aws:ssm:{Stack.Region}:{Stack.AccountId}:parameter/tenant-gateway/*";
        var ssm = Assert.Single(statements, s => Actions(s).Contains("ssm:GetParameters"));
        Assert.Equal(parameters, (string?)ssm["Resource"]);
        var kms = Assert.Single(statements, s => Actions(s).Contains("kms:Decrypt"));
        Assert.Equal($"ssm.{Stack.Region}.amazonaws.com", (string?)kms["Condition"]!["StringEquals"]!["kms:ViaService"]);
        Assert.Equal(parameters, (string?)kms["Condition"]!["StringLike"]!["kms:EncryptionContext:PARAMETER_ARN"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("arn:aws:iam::123456789012:user/gateway")]
    public void GatewayPolicy_HasNoIamWriteAction(string gatewayPrincipalArn)
    {
        // The gateway must not be able to change its own tenant role (lift a revocation, widen the ceiling): its only
        // IAM actions are the three reads verify needs, whatever OperatorPrincipalArn is.
        var stack = new Stack(new Dictionary<string, string> { ["GatewayPrincipalArn"] = gatewayPrincipalArn, ["OperatorPrincipalArn"] = Operator });
        var iam = stack.Resolved("GatewayPolicy", "PolicyDocument", "Statement")!.AsArray()
            .SelectMany(s => Actions(s!.AsObject())).Where(a => a.StartsWith("iam:", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Equal(["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies"], iam);
        Assert.Null(stack.Properties("GatewayRole").Get("Policies"));
    }

    [Fact]
    public void OperatorPrincipalArn_Empty_NoRevocationPolicyNorOutputs()
    {
        Assert.Equal("", _stack.Ref("OperatorPrincipalArn"));
        Assert.False(_stack.Condition("HasOperatorPrincipal"));
        Assert.False(_stack.Exists("TenantRevocationPolicy"));
        Assert.False(_stack.OutputExists("TenantRevocationPolicyArn"));
        Assert.False(_stack.OutputExists("OperatorPrincipalArn"));
    }

    [Theory]
    [InlineData(Operator)]
    [InlineData("arn:aws:iam::123456789012:role/IncidentResponder")]
    public void OperatorPrincipalArn_Set_RevocationPolicyGrantsExactlyTheInlinePolicyActionsOnTheTenantRoleOnly(string operatorArn)
    {
        var stack = new Stack(new Dictionary<string, string> { ["OperatorPrincipalArn"] = operatorArn });
        Assert.True(stack.Exists("TenantRevocationPolicy"));
        Assert.Equal("AWS::IAM::ManagedPolicy", stack.Resource("TenantRevocationPolicy").Str("Type"));
        var statement = Assert.Single(stack.Resolved("TenantRevocationPolicy", "PolicyDocument", "Statement")!.AsArray())!.AsObject();
        Assert.Equal("Allow", (string?)statement["Effect"]);
        Assert.Equal(
            ["iam:DeleteRolePolicy", "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:PutRolePolicy"],
            Actions(statement).Order(StringComparer.Ordinal));
        Assert.Equal([stack.Arn("TenantRole")], Resources(statement));
        Assert.Null(statement["Condition"]);
        Assert.Null(statement["NotResource"]);

        // Not attached by the stack (it does not modify principals it did not create), nor to the gateway role.
        var properties = stack.Properties("TenantRevocationPolicy");
        Assert.Null(properties.Get("Roles"));
        Assert.Null(properties.Get("Users"));
        Assert.Null(properties.Get("Groups"));
        Assert.DoesNotContain(stack.Ref("TenantRevocationPolicy"), stack.Resolved("GatewayRole", "ManagedPolicyArns")!.AsArray().Select(a => (string)a!));
        Assert.Equal(operatorArn, stack.ResolvedOutput("OperatorPrincipalArn")!.GetValue<string>());
        Assert.Equal($"arn:aws:iam::{Stack.AccountId}:policy/TenantRevocationPolicy", stack.ResolvedOutput("TenantRevocationPolicyArn")!.GetValue<string>());

        // The operator is not trusted by the tenant role: it writes the role's policies, it never assumes it.
        Assert.DoesNotContain(operatorArn, stack.Resolved("TenantRole", "AssumeRolePolicyDocument")!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RevocationPolicy_TemplateSaysPlainlyThatIamCannotLimitItToOnePolicyName()
    {
        var text = Repo.Read(Stack.TemplatePath);
        Assert.Contains("IAM has NO condition key for an inline policy's name", text, StringComparison.Ordinal);
        Assert.Contains("can put ANY inline policy on the tenant role", text, StringComparison.Ordinal);
    }

    [Fact]
    public void GatewayRole_IsAnEcsTaskRoleWithOnlyTheGatewayPolicy()
    {
        Assert.Equal("CreateGatewayRole", _stack.Resource("GatewayRole").Str("Condition"));
        var properties = _stack.Properties("GatewayRole");
        Assert.Null(properties.Get("Policies"));
        Assert.Equal([$"arn:aws:iam::{Stack.AccountId}:policy/GatewayPolicy"], _stack.Resolved("GatewayRole", "ManagedPolicyArns")!.AsArray().Select(a => (string)a!));
        var trust = Assert.Single(_stack.Resolved("GatewayRole", "AssumeRolePolicyDocument", "Statement")!.AsArray())!;
        Assert.Equal("ecs-tasks.amazonaws.com", (string?)trust["Principal"]!["Service"]);

        var existing = new Stack(new Dictionary<string, string> { ["GatewayPrincipalArn"] = "arn:aws:iam::123456789012:user/gateway" });
        Assert.False(existing.Exists("GatewayRole"));
        Assert.True(existing.Exists("GatewayPolicy"));
    }

    [Fact]
    public void TenantIsolationSettingsOutput_IsJsonMatchingTheStackAndAppSettings()
    {
        var stack = new Stack(new Dictionary<string, string> { ["ApplicationsTableName"] = "prod-Applications" });
        var settings = JsonNode.Parse(stack.ResolvedOutput("TenantIsolationSettings")!.GetValue<string>())!["TenantIsolation"]!;
        Assert.Equal(stack.Arn("TenantRole"), (string?)settings["RoleArn"]);
        Assert.Equal("User", (string?)settings["CredentialScope"]);
        Assert.Equal("SessionPolicy", (string?)settings["Mode"]);
        Assert.Equal(Stack.Region, (string?)settings["Aws"]!["Region"]);
        Assert.Equal("OrganizationUsers", (string?)settings["Membership"]!["MembershipTable"]);
        Assert.Equal("Organizations", (string?)settings["Membership"]!["OrganizationsTable"]);
        var table = Assert.Single(settings["Tables"]!.AsObject());
        Assert.Equal("prod-Applications", table.Key);
        Assert.Equal(["ByName"], table.Value!["Indexes"]!.AsArray().Select(i => (string)i!));

        var appSettings = JsonNode.Parse(Repo.Read("appsettings.json"))!["TenantIsolation"]!;
        Assert.Equal(
            appSettings["PermissionSets"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal),
            settings["PermissionSets"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.All(settings["PermissionSets"]!.AsObject(), p => Assert.Equal(["prod-Applications"], p.Value!["Tables"]!.AsObject().Select(t => t.Key)));
    }

    private static bool AppSettingsUsePartiQL()
        => JsonNode.Parse(Repo.Read("appsettings.json"))!["TenantIsolation"]!["Tables"]!.AsObject()
            .Any(t => t.Value!["PartiQL"]?.GetValue<bool>() == true);

    private static List<string> Actions(JsonObject statement)
        => statement["Action"] is JsonArray list ? list.Select(a => (string)a!).ToList() : [(string)statement["Action"]!];

    private static List<string> Resources(JsonObject statement)
        => statement["Resource"] is JsonArray list ? list.Select(a => (string)a!).ToList() : [(string)statement["Resource"]!];
}
