using Gateway.Policies.Documents;
using Gateway.Policies.DynamoDb;
using Gateway.Policies.Evaluation;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Policies.Tests;

/// <summary>The shipped example configuration and helpers shared by the tests.</summary>
internal static class TestData
{
    public static AwsScope Scope { get; } = new() { Region = "us-east-1", AccountId = "000000000000" };

    public const string ApplicationsArn = "arn:aws:dynamodb:us-east-1:000000000000:table/Applications";

    /// <summary>The shipped <c>read-write</c> permission set (ADMINISTRATOR, MEMBER).</summary>
    public static PermissionSet ReadWrite { get; } = new()
    {
        Name = "read-write",
        Tables = [new TableAccess { TableName = "Applications", PartitionKey = "organizationId", Read = true, Write = true, IncludeIndexes = true }],
    };

    /// <summary>The shipped <c>read-only</c> permission set (VIEWER).</summary>
    public static PermissionSet ReadOnly { get; } = new()
    {
        Name = "read-only",
        Tables = [new TableAccess { TableName = "Applications", PartitionKey = "organizationId", Read = true, IncludeIndexes = true }],
    };

    /// <summary>read-write plus PartiQL, used by the corpus so PartiQL rows can be allowed for the own organization.</summary>
    public static PermissionSet ReadWritePartiQL { get; } = ReadWrite with
    {
        Name = "read-write-partiql",
        Tables = [ReadWrite.Tables[0] with { PartiQL = true }],
    };

    /// <summary>The role identity policy LocalAws attaches to TenantDataAccess: item actions on every table.</summary>
    public static PolicyDocument RoleIdentityPolicy { get; } = PolicyDocument.Parse("""
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}
        """);

    public static TableKeySchema? Schemas(string table) => table switch
    {
        "Applications" => new TableKeySchema("Applications", "organizationId")
        {
            IndexPartitionKeys = new Dictionary<string, string> { ["ByName"] = "organizationId", ["ByCreator"] = "createdBy" },
        },
        "OrganizationUsers" => new TableKeySchema("OrganizationUsers", "userId"),
        "Organizations" => new TableKeySchema("Organizations", "organizationId"),
        _ => null,
    };

    public static SessionPolicy PolicyFor(string organization, PermissionSet? permissionSet = null)
        => new SessionPolicyBuilder(Scope).Build(OrganizationId.Parse(organization), permissionSet ?? ReadWritePartiQL);

    /// <summary>Analyzer + evaluator: allowed only when the request can be analyzed and every check is allowed under
    /// (role identity policy ∩ session policy).</summary>
    public static (bool Allowed, string Why) Authorize(PolicyDocument sessionPolicy, string operation, string body, Func<string, TableKeySchema?>? schemas = null)
    {
        var analysis = new DynamoDbRequestAnalyzer(Scope).Analyze(operation, System.Text.Encoding.UTF8.GetBytes(body), schemas ?? Schemas);
        if (!analysis.Succeeded)
        {
            return (false, "cannot analyze: " + analysis.Error);
        }

        foreach (var check in analysis.Checks)
        {
            var result = PolicyEvaluator.EvaluateSession([RoleIdentityPolicy], sessionPolicy, check.ToRequest(RequestContext.Empty));
            if (!result.IsAllowed)
            {
                return (false, $"{check.Action} on {check.Resource}: {result.Reason}");
            }
        }

        return (true, $"{analysis.Checks.Count} checks allowed");
    }

    public static RequestContext Context(params (string Key, string[] Values)[] keys)
    {
        var map = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var (key, values) in keys)
        {
            map[key] = values;
        }

        return new RequestContext(map);
    }
}
