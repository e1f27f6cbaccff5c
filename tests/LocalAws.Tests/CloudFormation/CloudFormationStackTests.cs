using System.Text.Json.Nodes;
using Gateway.Policies;
using Gateway.Testing;
using LocalAws.CloudFormation;

namespace LocalAws.Tests.CloudFormation;

public sealed class CloudFormationStackTests : IDisposable
{
    private static readonly AwsScope Scope = new() { AccountId = "000000000000", Region = "us-east-1" };
    private static readonly string Template = RepoPaths.Combine("deploy", "cloudformation", "tenant-gateway.yaml");
    private static readonly Dictionary<string, string> LocalGateway = new() { ["GatewayPrincipalArn"] = LocalAwsHost.GatewayUserArn };
    private readonly List<string> _files = [];

    public void Dispose()
    {
        foreach (var file in _files)
        {
            File.Delete(file);
        }
    }

    private string Write(string text, string extension = ".yaml")
    {
        var file = Path.Combine(Path.GetTempPath(), $"cfn-{Guid.NewGuid():N}{extension}");
        File.WriteAllText(file, text);
        _files.Add(file);
        return file;
    }

    [Fact]
    public void Load_DeploymentTemplateWithExistingPrincipal_ResolvesRolesPoliciesTablesAndOutputs()
    {
        var stack = CloudFormationStack.Load(Template, LocalGateway, Scope);

        var role = Assert.Single(stack.Roles); // GatewayRole's condition is false with an existing principal
        Assert.Equal("TenantDataAccess", role.Name);
        Assert.Equal(LocalAwsHost.TenantRoleArn, role.Arn);
        Assert.Contains("\"arn:aws:iam::000000000000:user/gateway\"", role.TrustPolicy, StringComparison.Ordinal);
        var inline = Assert.Single(role.InlinePolicies);
        Assert.Equal("TenantItemAccess", inline.Name);
        Assert.Contains("arn:aws:dynamodb:us-east-1:000000000000:table/Applications/index/ByName", inline.Document, StringComparison.Ordinal);
        var policy = Assert.Single(stack.Policies);
        Assert.Equal("arn:aws:iam::000000000000:policy/GatewayPolicy", policy.Arn);
        Assert.Contains("arn:aws:iam::000000000000:role/TenantDataAccess", policy.Document, StringComparison.Ordinal);
        Assert.Equal(["Organizations", "Applications", "OrganizationUsers"], stack.Tables.Select(t => (string)t["TableName"]!));
        var gsi = Assert.Single(stack.Tables[1]["GlobalSecondaryIndexes"]!.AsArray())!;
        Assert.Equal("ByName", (string)gsi["IndexName"]!);
        Assert.Equal(LocalAwsHost.GatewayUserArn, stack.Outputs["GatewayPrincipalArn"]);
        Assert.Equal(policy.Arn, stack.Outputs["GatewayPolicyArn"]);
        Assert.Contains("\"RoleArn\":\"arn:aws:iam::000000000000:role/TenantDataAccess\"", stack.Outputs["TenantIsolationSettings"], StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DeploymentTemplateWithDefaults_CreatesTheGatewayRoleWithTheManagedPolicy()
    {
        var stack = CloudFormationStack.Load(Template, new Dictionary<string, string>(), Scope);

        var gateway = Assert.Single(stack.Roles, r => r.Name == "TenantGateway");
        Assert.Equal(["arn:aws:iam::000000000000:policy/GatewayPolicy"], gateway.ManagedPolicyArns);
        Assert.Contains("\"arn:aws:iam::000000000000:role/TenantGateway\"", stack.Roles.Single(r => r.Name == "TenantDataAccess").TrustPolicy, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ParameterOverride_RenamesTableAndValidatesPattern()
    {
        var renamed = CloudFormationStack.Load(Template, new Dictionary<string, string>(LocalGateway) { ["ApplicationsTableName"] = "Apps" }, Scope);
        var bad = Assert.Throws<InvalidOperationException>(() => CloudFormationStack.Load(Template, new Dictionary<string, string> { ["ApplicationsTableName"] = "a b", ["NoSuchParameter"] = "x" }, Scope));

        Assert.Contains(renamed.Tables, t => (string)t["TableName"]! == "Apps");
        Assert.Contains("parameter ApplicationsTableName 'a b' does not match its AllowedPattern", bad.Message, StringComparison.Ordinal);
        Assert.Contains("parameter NoSuchParameter (--parameter) is not declared", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LocalDefaults_UsedOnlyForDeclaredParametersAndOverriddenByParameters()
    {
        var local = new Dictionary<string, string> { ["GatewayPrincipalArn"] = LocalAwsHost.GatewayUserArn, ["NotInTemplate"] = "x" };

        var defaulted = CloudFormationStack.Load(Template, new Dictionary<string, string>(), Scope, local);
        var overridden = CloudFormationStack.Load(Template, new Dictionary<string, string> { ["GatewayPrincipalArn"] = "" }, Scope, local);

        Assert.Equal(LocalAwsHost.GatewayUserArn, defaulted.Outputs["GatewayPrincipalArn"]);
        Assert.Equal("arn:aws:iam::000000000000:role/TenantGateway", overridden.Outputs["GatewayPrincipalArn"]);
    }

    [Fact]
    public void Load_UnsupportedIntrinsicAndResourceType_StartUpErrorNamingEachResource()
    {
        var file = Write("""
            Resources:
              Topic:
                Type: AWS::SNS::Topic
              Role:
                Type: AWS::IAM::Role
                Properties:
                  RoleName: { "Fn::ImportValue": shared-name }
                  AssumeRolePolicyDocument: { Version: "2012-10-17", Statement: [] }
              Other:
                Type: AWS::IAM::Role
                Properties:
                  AssumeRolePolicyDocument:
                    Statement: [{ Effect: Allow, Principal: { AWS: { "Fn::GetAtt": [Missing, Arn] } }, Action: sts:AssumeRole }]
            """);

        var e = Assert.Throws<InvalidOperationException>(() => CloudFormationStack.Load(file, new Dictionary<string, string>(), Scope));

        Assert.Contains("resource Topic (AWS::SNS::Topic): resource type AWS::SNS::Topic is not supported", e.Message, StringComparison.Ordinal);
        Assert.Contains("resource Role (AWS::IAM::Role): intrinsic function Fn::ImportValue is not supported", e.Message, StringComparison.Ordinal);
        Assert.Contains("resource Other (AWS::IAM::Role): 'Missing' is neither a parameter", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ShortFormTag_RefusedWithTheLine()
    {
        var file = Write("Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: !Ref Name\n");

        var e = Assert.Throws<InvalidOperationException>(() => CloudFormationStack.Load(file, new Dictionary<string, string>(), Scope));

        Assert.Contains("line 5: short-form intrinsic !Ref is not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_JsonTemplate_SubJoinIfAndNoValue()
    {
        var file = Write("""
            {
              "Parameters": { "Env": { "Type": "String", "Default": "dev" } },
              "Conditions": { "IsProd": { "Fn::Equals": [{ "Ref": "Env" }, "prod"] } },
              "Resources": {
                "Items": {
                  "Type": "AWS::DynamoDB::Table",
                  "Properties": {
                    "TableName": { "Fn::Join": ["-", [{ "Ref": "Env" }, "items"]] },
                    "AttributeDefinitions": [{ "AttributeName": "id", "AttributeType": "S" }],
                    "KeySchema": [{ "AttributeName": "id", "KeyType": "HASH" }],
                    "BillingMode": "PAY_PER_REQUEST",
                    "DeletionProtectionEnabled": { "Fn::If": ["IsProd", true, { "Ref": "AWS::NoValue" }] }
                  }
                }
              },
              "Outputs": { "Arn": { "Value": { "Fn::Sub": "${Items.Arn}|${AWS::Region}|${!Literal}" } } }
            }
            """, ".json");

        var stack = CloudFormationStack.Load(file, new Dictionary<string, string>(), Scope);

        var table = Assert.Single(stack.Tables);
        Assert.Equal("dev-items", (string)table["TableName"]!);
        Assert.Equal("arn:aws:dynamodb:us-east-1:000000000000:table/dev-items|us-east-1|${Literal}", stack.Outputs["Arn"]);
        Assert.Null(table["ProvisionedThroughput"]);
        Assert.IsType<JsonArray>(table["KeySchema"]);
    }
}
