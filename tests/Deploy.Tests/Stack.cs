using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Deploy.Tests;

/// <summary>
/// The template as CloudFormation would instantiate it for given parameters: resolves the intrinsics the template is
/// allowed to use (Ref, Fn::Sub, Fn::GetAtt Arn, Fn::If, Fn::Equals and Fn::Not in conditions, AWS::AccountId / Region / Partition)
/// and fails on anything else, the same subset LocalAws is to support.
/// </summary>
internal sealed partial class Stack
{
    public const string TemplatePath = "deploy/cloudformation/tenant-gateway.yaml";
    public const string AccountId = "123456789012";
    public const string Region = "us-east-1";

    public static readonly IReadOnlySet<string> AllowedFunctions = new HashSet<string>(StringComparer.Ordinal)
    {
        "Ref", "Fn::Sub", "Fn::GetAtt", "Fn::If", "Fn::Equals", "Fn::Not",
    };

    public static readonly IReadOnlySet<string> AllowedPseudoParameters = new HashSet<string>(StringComparer.Ordinal)
    {
        "AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::NoValue",
    };

    /// <summary>What <c>Ref: AWS::NoValue</c> resolves to: removed from the list or object that holds it.</summary>
    private static readonly JsonValue NoValue = JsonValue.Create("\u0000AWS::NoValue");

    private readonly Dictionary<string, string> _parameters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _conditions = new(StringComparer.Ordinal);

    public Stack(IReadOnlyDictionary<string, string>? parameters = null)
    {
        Template = Yaml.Load(TemplatePath);
        foreach (var (key, value) in Template.Map("Parameters").Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            _parameters[name] = parameters is not null && parameters.TryGetValue(name, out var given)
                ? given
                : ((YamlMappingNode)value).Str("Default") ?? throw new InvalidOperationException($"Parameter {name} has no default.");
        }

        foreach (var (key, value) in Template.Map("Conditions").Children)
        {
            _conditions[((YamlScalarNode)key).Value!] = EvaluateCondition(value);
        }
    }

    public YamlMappingNode Template { get; }

    public YamlMappingNode Resources => Template.Map("Resources");

    public YamlMappingNode Resource(string logicalId) => Resources.Map(logicalId);

    public YamlMappingNode Properties(string logicalId) => Resource(logicalId).Map("Properties");

    public bool Condition(string name) => _conditions[name];

    public bool Exists(string logicalId)
        => Resource(logicalId).Str("Condition") is not { } condition || _conditions[condition];

    /// <summary>A resource property with every intrinsic resolved.</summary>
    public JsonNode? Resolved(string logicalId, params string[] path)
    {
        YamlNode node = Properties(logicalId);
        foreach (var step in path)
        {
            node = ((YamlMappingNode)node).Get(step) ?? throw new KeyNotFoundException($"{logicalId}.{string.Join('.', path)}");
        }

        return Resolve(node);
    }

    public JsonNode? ResolvedOutput(string name) => Resolve(Template.Map("Outputs").Map(name).Get("Value")!);

    /// <summary>Whether output <paramref name="name"/> exists with these parameters (its Condition, if any, holds).</summary>
    public bool OutputExists(string name)
        => Template.Map("Outputs").Map(name).Str("Condition") is not { } condition || _conditions[condition];

    public string Arn(string logicalId)
    {
        if (!Exists(logicalId))
        {
            throw new InvalidOperationException($"{logicalId} is not created with these parameters.");
        }

        var type = Resource(logicalId).Str("Type");
        return type switch
        {
            "AWS::DynamoDB::Table" => $"arn:aws:dynamodb:{Region}:{AccountId}:table/{Ref(logicalId)}",
            "AWS::IAM::Role" => $"arn:aws:iam::{AccountId}:role/{Ref(logicalId)}",
            _ => throw new NotSupportedException($"Fn::GetAtt Arn on {type}"),
        };
    }

    public string Ref(string name)
    {
        switch (name)
        {
            case "AWS::AccountId": return AccountId;
            case "AWS::Region": return Region;
            case "AWS::Partition": return "aws";
        }

        if (_parameters.TryGetValue(name, out var value))
        {
            return value;
        }

        if (!Exists(name))
        {
            throw new InvalidOperationException($"Ref to {name}, which is not created with these parameters.");
        }

        var type = Resource(name).Str("Type");
        return type switch
        {
            "AWS::DynamoDB::Table" => Resolved(name, "TableName")!.GetValue<string>(),
            "AWS::IAM::Role" => Resolved(name, "RoleName")!.GetValue<string>(),
            "AWS::IAM::ManagedPolicy" => $"arn:aws:iam::{AccountId}:policy/{name}",
            _ => throw new NotSupportedException($"Ref on {type}"),
        };
    }

    public JsonNode? Resolve(YamlNode node)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                return scalar.Value is null ? null : JsonValue.Create(scalar.Value);
            case YamlSequenceNode sequence:
                return new JsonArray(sequence.Children.Select(Resolve).Where(n => !ReferenceEquals(n, NoValue)).ToArray());
            case YamlMappingNode mapping when mapping.Children.Count == 1
                && ((YamlScalarNode)mapping.Children.Keys.Single()).Value is { } key
                && (key == "Ref" || key.StartsWith("Fn::", StringComparison.Ordinal)):
                return ResolveFunction(key, mapping.Children.Values.Single());
            case YamlMappingNode mapping:
                return new JsonObject(mapping.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, Resolve(kv.Value))).Where(kv => !ReferenceEquals(kv.Value, NoValue)));
            default:
                throw new NotSupportedException(node.GetType().Name);
        }
    }

    private JsonNode? ResolveFunction(string function, YamlNode argument)
    {
        switch (function)
        {
            case "Ref" when ((YamlScalarNode)argument).Value == "AWS::NoValue":
                return NoValue;
            case "Ref":
                return JsonValue.Create(Ref(((YamlScalarNode)argument).Value!));
            case "Fn::GetAtt":
                var parts = ((YamlSequenceNode)argument).Children.Select(c => ((YamlScalarNode)c).Value!).ToArray();
                Assert.Equal("Arn", parts[1]);
                return JsonValue.Create(Arn(parts[0]));
            case "Fn::Sub":
                var text = ((YamlScalarNode)argument).Value!;
                return JsonValue.Create(SubVariable().Replace(text, m =>
                {
                    var name = m.Groups[1].Value;
                    return name.EndsWith(".Arn", StringComparison.Ordinal) ? Arn(name[..^4]) : Ref(name);
                }));
            case "Fn::If":
                var branches = (YamlSequenceNode)argument;
                var condition = ((YamlScalarNode)branches[0]).Value!;
                return Resolve(_conditions[condition] ? branches[1] : branches[2]);
            default:
                throw new NotSupportedException($"{function} is outside the template's intrinsic subset.");
        }
    }

    private bool EvaluateCondition(YamlNode node)
    {
        var mapping = (YamlMappingNode)node;
        var (key, value) = mapping.Children.Single();
        if (((YamlScalarNode)key).Value == "Fn::Not")
        {
            return !EvaluateCondition(((YamlSequenceNode)value).Children.Single());
        }

        if (((YamlScalarNode)key).Value != "Fn::Equals")
        {
            throw new NotSupportedException($"Condition function {key}");
        }

        var operands = ((YamlSequenceNode)value).Children.Select(c => Resolve(c)!.GetValue<string>()).ToArray();
        return string.Equals(operands[0], operands[1], StringComparison.Ordinal);
    }

    /// <summary>${Name} or ${Resource.Attribute}; ${!Literal} (escaped) is not matched.</summary>
    [GeneratedRegex(@"\$\{([A-Za-z0-9:.]+)\}")]
    public static partial Regex SubVariable();
}
