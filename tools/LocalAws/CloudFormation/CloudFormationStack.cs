using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Policies;

namespace LocalAws.CloudFormation;

/// <summary>
/// A template "deployed" into LocalAws's account and region: parameters (defaults, then overrides), conditions, and
/// every resource resolved. Supported resource types are <c>AWS::DynamoDB::Table</c>, <c>AWS::IAM::Role</c>,
/// <c>AWS::IAM::ManagedPolicy</c> and <c>AWS::IAM::Policy</c>; any other type, an unknown property, an unsupported
/// intrinsic or an unresolvable reference is an error naming the resource. Every error is reported at once.
/// </summary>
internal sealed class CloudFormationStack
{
    private static readonly Dictionary<string, string[]> s_properties = new(StringComparer.Ordinal)
    {
        // Properties that change nothing LocalAws enforces (billing, backups, encryption, descriptions, tags) are read and ignored.
        ["AWS::DynamoDB::Table"] =
        [
            "TableName", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "BillingMode",
            "ProvisionedThroughput", "PointInTimeRecoverySpecification", "SSESpecification", "DeletionProtectionEnabled", "Tags",
            "TableClass", "TimeToLiveSpecification", "StreamSpecification", "ContributorInsightsSpecification",
        ],
        ["AWS::IAM::Role"] = ["RoleName", "AssumeRolePolicyDocument", "Policies", "ManagedPolicyArns", "MaxSessionDuration", "Path", "Description", "Tags"],
        ["AWS::IAM::ManagedPolicy"] = ["ManagedPolicyName", "PolicyDocument", "Roles", "Users", "Path", "Description"],
        ["AWS::IAM::Policy"] = ["PolicyName", "PolicyDocument", "Roles", "Users"],
    };

    private CloudFormationStack(string path)
    {
        Path = path;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Parameters { get; private set; } = new Dictionary<string, string>();

    public List<StackRole> Roles { get; } = [];

    /// <summary>Managed and inline (<c>AWS::IAM::Policy</c>) policies with the role and user names they are attached to.</summary>
    public List<StackPolicy> Policies { get; } = [];

    /// <summary>DynamoDB <c>CreateTable</c> requests.</summary>
    public List<JsonObject> Tables { get; } = [];

    public Dictionary<string, string> Outputs { get; } = new(StringComparer.Ordinal);

    /// <summary>The deployment template, relative to the repository root.</summary>
    public const string DefaultTemplate = "deploy/cloudformation/tenant-gateway.yaml";

    /// <summary>Walks up from the current directory and from the assembly directory looking for <see cref="DefaultTemplate"/>.</summary>
    public static string? FindDefaultTemplate()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = System.IO.Path.Combine(dir.FullName, DefaultTemplate);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <param name="overrides">Values every one of which the template must declare (<c>--parameter</c>).</param>
    /// <param name="localDefaults">Values used when the template declares the parameter and no override gives one (<c>LocalAws:CloudFormationParameters</c>).</param>
    public static CloudFormationStack Load(string path, IReadOnlyDictionary<string, string> overrides, AwsScope scope, IReadOnlyDictionary<string, string>? localDefaults = null)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        ArgumentNullException.ThrowIfNull(scope);
        var template = CloudFormationTemplate.Load(path);
        var stack = new CloudFormationStack(path);
        var errors = new List<string>();
        stack.Parameters = ReadParameters(template[nameof(Parameters)] as JsonObject, overrides, localDefaults ?? new Dictionary<string, string>(), errors);
        if (errors.Count == 0)
        {
            stack.Build(template, scope, errors);
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"CloudFormation template {path}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors));
        }

        return stack;
    }

    private static Dictionary<string, string> ReadParameters(JsonObject? declared, IReadOnlyDictionary<string, string> overrides, IReadOnlyDictionary<string, string> localDefaults, List<string> errors)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        declared ??= [];
        foreach (var name in overrides.Keys.Where(n => !declared.ContainsKey(n)))
        {
            errors.Add($"parameter {name} (--parameter) is not declared by the template.");
        }

        foreach (var (name, node) in declared)
        {
            var definition = node as JsonObject ?? [];
            var value = overrides.TryGetValue(name, out var given) ? given
                : localDefaults.TryGetValue(name, out var local) ? local
                : IntrinsicResolver.Text(definition["Default"]);
            if (value is null)
            {
                errors.Add($"parameter {name} has no Default; pass --parameter {name}=VALUE.");
                continue;
            }

            if (IntrinsicResolver.Text(definition["AllowedPattern"]) is { } pattern && !Regex.IsMatch(value, "^(?:" + pattern + ")$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
            {
                errors.Add($"parameter {name} '{value}' does not match its AllowedPattern {pattern}.");
            }

            if (definition["AllowedValues"] is JsonArray allowed && !allowed.Any(a => IntrinsicResolver.Text(a) == value))
            {
                errors.Add($"parameter {name} '{value}' is not one of its AllowedValues.");
            }

            if (IntrinsicResolver.Text(definition["Type"]) == "Number")
            {
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    errors.Add($"parameter {name} '{value}' is not a number.");
                }
                else if ((IntrinsicResolver.Text(definition["MinValue"]) is { } min && number < double.Parse(min, CultureInfo.InvariantCulture))
                    || (IntrinsicResolver.Text(definition["MaxValue"]) is { } max && number > double.Parse(max, CultureInfo.InvariantCulture)))
                {
                    errors.Add($"parameter {name} '{value}' is outside its MinValue/MaxValue.");
                }
            }

            result[name] = value;
        }

        return result;
    }

    private void Build(JsonObject template, AwsScope scope, List<string> errors)
    {
        var resolver = new IntrinsicResolver(scope, Parameters, template["Conditions"] as JsonObject);
        var resources = template["Resources"] as JsonObject ?? [];

        // Pass 1: which resources exist, their physical names and ARNs (names may refer to parameters only).
        foreach (var (logicalId, node) in resources)
        {
            var where = $"resource {logicalId}";
            try
            {
                var resource = node as JsonObject ?? throw new TemplateException($"{where}: not a mapping.");
                var type = IntrinsicResolver.Text(resource["Type"]) ?? throw new TemplateException($"{where}: Type is required.");
                where = $"resource {logicalId} ({type})";
                if (!s_properties.TryGetValue(type, out var known))
                {
                    throw new TemplateException($"{where}: resource type {type} is not supported by LocalAws.");
                }

                if (IntrinsicResolver.Text(resource["Condition"]) is { } condition && !resolver.Condition(condition, where))
                {
                    resolver.Resources[logicalId] = null;
                    continue;
                }

                var properties = resource["Properties"] as JsonObject ?? [];
                foreach (var property in properties.Select(p => p.Key).Where(p => !known.Contains(p)))
                {
                    errors.Add($"{where}: property {property} is not supported by LocalAws.");
                }

                resolver.Resources[logicalId] = type switch
                {
                    "AWS::DynamoDB::Table" => Named(properties, "TableName", logicalId, resolver, where) is var table
                        ? new StackResource(type, table, $"arn:aws:dynamodb:{scope.Region}:{scope.AccountId}:table/{table}") : null,
                    "AWS::IAM::Role" => Named(properties, "RoleName", logicalId, resolver, where) is var role
                        ? new StackResource(type, role, $"arn:aws:iam::{scope.AccountId}:role{IamPath(properties, resolver, where)}{role}") : null,
                    "AWS::IAM::ManagedPolicy" => Named(properties, "ManagedPolicyName", logicalId, resolver, where) is var policy
                        ? new StackResource(type, $"arn:aws:iam::{scope.AccountId}:policy{IamPath(properties, resolver, where)}{policy}", $"arn:aws:iam::{scope.AccountId}:policy{IamPath(properties, resolver, where)}{policy}") : null,
                    _ => new StackResource(type, Named(properties, "PolicyName", logicalId, resolver, where), null),
                };
            }
            catch (TemplateException e)
            {
                errors.Add(e.Message);
            }
        }

        // Pass 2: every property of every created resource, resolved.
        foreach (var (logicalId, created) in resolver.Resources)
        {
            if (created is null)
            {
                continue;
            }

            var where = $"resource {logicalId} ({created.Type})";
            try
            {
                var properties = resolver.Resolve(resources[logicalId]!["Properties"], where) as JsonObject ?? [];
                switch (created.Type)
                {
                    case "AWS::DynamoDB::Table":
                        Tables.Add(CreateTableRequest(created.PhysicalId, properties, where));
                        break;
                    case "AWS::IAM::Role":
                        Roles.Add(new StackRole
                        {
                            LogicalId = logicalId,
                            Name = created.PhysicalId,
                            Arn = created.Arn!,
                            TrustPolicy = properties["AssumeRolePolicyDocument"]?.ToJsonString() ?? throw new TemplateException($"{where}: AssumeRolePolicyDocument is required."),
                            InlinePolicies = [.. (properties[nameof(Policies)] as JsonArray ?? []).Select((p, i) => (
                                IntrinsicResolver.Text(p?["PolicyName"]) ?? throw new TemplateException($"{where}: Policies[{i}].PolicyName is required."),
                                p?["PolicyDocument"]?.ToJsonString() ?? throw new TemplateException($"{where}: Policies[{i}].PolicyDocument is required.")))],
                            ManagedPolicyArns = [.. (properties["ManagedPolicyArns"] as JsonArray ?? []).Select(a => IntrinsicResolver.Text(a) ?? throw new TemplateException($"{where}: ManagedPolicyArns must be strings."))],
                            MaxSessionDurationSeconds = IntrinsicResolver.Text(properties["MaxSessionDuration"]) is { } max
                                ? int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : throw new TemplateException($"{where}: MaxSessionDuration '{max}' is not a number.")
                                : 3600,
                        });
                        break;
                    default:
                        Policies.Add(new StackPolicy
                        {
                            LogicalId = logicalId,
                            Arn = created.Arn,
                            Document = properties["PolicyDocument"]?.ToJsonString() ?? throw new TemplateException($"{where}: PolicyDocument is required."),
                            Roles = Names(properties[nameof(Roles)], where),
                            Users = Names(properties["Users"], where),
                        });
                        break;
                }
            }
            catch (TemplateException e)
            {
                errors.Add(e.Message);
            }
        }

        foreach (var (name, output) in template[nameof(Outputs)] as JsonObject ?? [])
        {
            var where = $"output {name}";
            try
            {
                if (IntrinsicResolver.Text(output?["Condition"]) is { } condition && !resolver.Condition(condition, where))
                {
                    continue;
                }

                Outputs[name] = resolver.ResolveString(output?["Value"], where);
            }
            catch (TemplateException e)
            {
                errors.Add(e.Message);
            }
        }
    }

    private static string Named(JsonObject properties, string property, string logicalId, IntrinsicResolver resolver, string where)
        // CloudFormation would generate STACK-LogicalId-RANDOM; LocalAws uses the logical id so names are stable.
        => properties[property] is { } name ? resolver.ResolveString(name, where) : logicalId;

    private static string IamPath(JsonObject properties, IntrinsicResolver resolver, string where)
        => properties[nameof(Path)] is { } path ? resolver.ResolveString(path, where) : "/";

    private static List<string> Names(JsonNode? node, string where)
        => [.. (node as JsonArray ?? []).Select(n => IntrinsicResolver.Text(n) ?? throw new TemplateException($"{where}: Roles/Users must be names."))];

    private static JsonObject CreateTableRequest(string name, JsonObject properties, string where)
    {
        var request = new JsonObject
        {
            ["TableName"] = name,
            ["AttributeDefinitions"] = properties["AttributeDefinitions"]?.DeepClone() ?? throw new TemplateException($"{where}: AttributeDefinitions is required."),
            ["KeySchema"] = properties["KeySchema"]?.DeepClone() ?? throw new TemplateException($"{where}: KeySchema is required."),
        };
        var billing = IntrinsicResolver.Text(properties["BillingMode"]) ?? "PROVISIONED";
        request["BillingMode"] = billing;
        if (billing == "PROVISIONED")
        {
            request["ProvisionedThroughput"] = Throughput(properties["ProvisionedThroughput"]);
        }

        foreach (var kind in new[] { "GlobalSecondaryIndexes", "LocalSecondaryIndexes" })
        {
            if (properties[kind] is JsonArray indexes)
            {
                var list = new JsonArray();
                foreach (var index in indexes.OfType<JsonObject>())
                {
                    var copy = new JsonObject
                    {
                        ["IndexName"] = index["IndexName"]?.DeepClone(),
                        ["KeySchema"] = index["KeySchema"]?.DeepClone(),
                        ["Projection"] = index["Projection"]?.DeepClone(),
                    };
                    if (kind == "GlobalSecondaryIndexes" && billing == "PROVISIONED")
                    {
                        copy["ProvisionedThroughput"] = Throughput(index["ProvisionedThroughput"]);
                    }

                    list.Add(copy);
                }

                request[kind] = list;
            }
        }

        return request;
    }

    private static JsonObject Throughput(JsonNode? given) => new()
    {
        ["ReadCapacityUnits"] = long.Parse(IntrinsicResolver.Text(given?["ReadCapacityUnits"]) ?? "5", CultureInfo.InvariantCulture),
        ["WriteCapacityUnits"] = long.Parse(IntrinsicResolver.Text(given?["WriteCapacityUnits"]) ?? "5", CultureInfo.InvariantCulture),
    };
}
