using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Policies;

namespace LocalAws.CloudFormation;

/// <summary>
/// Resolves the intrinsic functions of a template the way CloudFormation would in LocalAws's account and region:
/// <c>Ref</c> (parameters, pseudo parameters, resources), <c>Fn::GetAtt</c> (<c>Arn</c> of tables, roles and managed
/// policies), <c>Fn::Sub</c>, <c>Fn::If</c> and the condition functions, <c>Fn::Join</c>, <c>Fn::Select</c>. Anything
/// else is an error naming where it occurred; nothing is skipped.
/// </summary>
internal sealed partial class IntrinsicResolver
{
    private static readonly JsonValue s_noValue = JsonValue.Create("\u0000AWS::NoValue");

    private readonly AwsScope _scope;
    private readonly IReadOnlyDictionary<string, string> _parameters;
    private readonly JsonObject _conditionDefinitions;
    private readonly Dictionary<string, bool> _conditions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _evaluating = new(StringComparer.Ordinal);

    public IntrinsicResolver(AwsScope scope, IReadOnlyDictionary<string, string> parameters, JsonObject? conditions)
    {
        _scope = scope;
        _parameters = parameters;
        _conditionDefinitions = conditions ?? [];
    }

    public const string StackName = "localaws";

    /// <summary>Resources by logical id: type, physical id (what Ref returns) and ARN (Fn::GetAtt Arn); null when its condition is false.</summary>
    public Dictionary<string, StackResource?> Resources { get; } = new(StringComparer.Ordinal);

    public static bool IsNoValue(JsonNode? node) => ReferenceEquals(node, s_noValue);

    public bool Condition(string name, string where)
    {
        if (_conditions.TryGetValue(name, out var known))
        {
            return known;
        }

        if (!_conditionDefinitions.TryGetPropertyValue(name, out var definition) || !_evaluating.Add(name))
        {
            throw new TemplateException($"{where}: condition '{name}' is not defined (or refers to itself).");
        }

        var value = EvaluateCondition(definition, $"{where}: condition {name}");
        _evaluating.Remove(name);
        _conditions[name] = value;
        return value;
    }

    /// <summary>A resolved deep copy of <paramref name="node"/>; throws <see cref="TemplateException"/> naming <paramref name="where"/>.</summary>
    public JsonNode? Resolve(JsonNode? node, string where)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count == 1 && IsFunction(obj.First().Key):
                var (name, argument) = obj.First();
                return Function(name, argument, where);
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    var resolved = Resolve(value, where);
                    if (!IsNoValue(resolved))
                    {
                        result[key] = resolved;
                    }
                }

                return result;
            case JsonArray array:
                var list = new JsonArray();
                foreach (var item in array)
                {
                    var resolved = Resolve(item, where);
                    if (!IsNoValue(resolved))
                    {
                        list.Add(resolved);
                    }
                }

                return list;
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>The resolved value as a string (numbers and booleans in JSON templates included).</summary>
    public string ResolveString(JsonNode? node, string where)
        => Text(Resolve(node, where)) ?? throw new TemplateException($"{where}: expected a string, got {Describe(node)}.");

    public static string? Text(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.ToJsonString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        }
        : null;

    private static bool IsFunction(string key) => key == "Ref" || key == "Condition" || key.StartsWith("Fn::", StringComparison.Ordinal);

    private JsonNode? Function(string name, JsonNode? argument, string where)
    {
        switch (name)
        {
            case "Ref":
                return Ref(Text(argument) ?? throw new TemplateException($"{where}: Ref needs a name."), where);
            case "Fn::GetAtt":
                var parts = argument switch
                {
                    JsonArray { Count: 2 } a => [ResolveString(a[0], where), ResolveString(a[1], where)],
                    JsonValue v when Text(v) is { } s && s.Split('.', 2) is { Length: 2 } split => split,
                    _ => throw new TemplateException($"{where}: Fn::GetAtt needs [LogicalId, Attribute]."),
                };
                return JsonValue.Create(GetAtt(parts[0], parts[1], where));
            case "Fn::Sub":
                return JsonValue.Create(Sub(argument, where));
            case "Fn::If":
                if (argument is not JsonArray { Count: 3 } branches || Text(branches[0]) is not { } condition)
                {
                    throw new TemplateException($"{where}: Fn::If needs [Condition, ValueIfTrue, ValueIfFalse].");
                }

                return Resolve(Condition(condition, where) ? branches[1] : branches[2], where);
            case "Fn::Join":
                if (argument is not JsonArray { Count: 2 } join || Resolve(join[1], where) is not JsonArray items)
                {
                    throw new TemplateException($"{where}: Fn::Join needs [Delimiter, [Values]].");
                }

                return JsonValue.Create(string.Join(ResolveString(join[0], where), items.Select(i => Text(i) ?? throw new TemplateException($"{where}: Fn::Join values must be strings."))));
            case "Fn::Select":
                if (argument is not JsonArray { Count: 2 } select || Resolve(select[1], where) is not JsonArray from
                    || !int.TryParse(ResolveString(select[0], where), NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= from.Count)
                {
                    throw new TemplateException($"{where}: Fn::Select needs [Index, [Values]] with the index in range.");
                }

                return from[index]?.DeepClone();
            case "Fn::Equals" or "Fn::Not" or "Fn::And" or "Fn::Or" or "Condition":
                return JsonValue.Create(EvaluateCondition(new JsonObject { [name] = argument?.DeepClone() }, where) ? "true" : "false");
            default:
                throw new TemplateException($"{where}: intrinsic function {name} is not supported by LocalAws.");
        }
    }

    private bool EvaluateCondition(JsonNode? node, string where)
    {
        if (node is not JsonObject { Count: 1 } obj)
        {
            throw new TemplateException($"{where}: a condition must be one of Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition.");
        }

        var (name, argument) = obj.First();
        var args = argument as JsonArray;
        return name switch
        {
            "Fn::Equals" when args is { Count: 2 } => string.Equals(ResolveString(args[0], where), ResolveString(args[1], where), StringComparison.Ordinal),
            "Fn::Not" when args is { Count: 1 } => !EvaluateCondition(args[0], where),
            "Fn::And" when args is { Count: >= 2 } => args.Select(a => EvaluateCondition(a, where)).ToList().TrueForAll(b => b),
            "Fn::Or" when args is { Count: >= 2 } => args.Select(a => EvaluateCondition(a, where)).Any(b => b),
            "Condition" when Text(argument) is { } condition => Condition(condition, where),
            _ => throw new TemplateException($"{where}: condition function {name} is malformed or not supported."),
        };
    }

    private JsonValue Ref(string name, string where)
    {
        switch (name)
        {
            case "AWS::AccountId": return JsonValue.Create(_scope.AccountId);
            case "AWS::Region": return JsonValue.Create(_scope.Region);
            case "AWS::Partition": return JsonValue.Create("aws");
            case "AWS::URLSuffix": return JsonValue.Create("amazonaws.com");
            case "AWS::StackName": return JsonValue.Create(StackName);
            case "AWS::StackId": return JsonValue.Create($"arn:aws:cloudformation:{_scope.Region}:{_scope.AccountId}:stack/{StackName}/00000000-0000-0000-0000-000000000000");
            case "AWS::NoValue": return s_noValue;
        }

        if (_parameters.TryGetValue(name, out var parameter))
        {
            return JsonValue.Create(parameter);
        }

        return JsonValue.Create(Resource(name, where).PhysicalId);
    }

    private string GetAtt(string logicalId, string attribute, string where)
    {
        var resource = Resource(logicalId, where);
        return attribute == "Arn" && resource.Arn is { } arn
            ? arn
            : throw new TemplateException($"{where}: Fn::GetAtt {logicalId}.{attribute} is not supported by LocalAws (only Arn of tables, roles and policies).");
    }

    private StackResource Resource(string logicalId, string where)
    {
        if (!Resources.TryGetValue(logicalId, out var resource))
        {
            throw new TemplateException($"{where}: '{logicalId}' is neither a parameter, a pseudo parameter nor a resource LocalAws knows.");
        }

        return resource ?? throw new TemplateException($"{where}: refers to {logicalId}, which is not created (its condition is false).");
    }

    private string Sub(JsonNode? argument, string where)
    {
        var (template, variables) = argument switch
        {
            JsonArray { Count: 2 } a when Text(a[0]) is { } t && a[1] is JsonObject vars => (t, vars),
            _ when Text(argument) is { } t => (t, (JsonObject?)null),
            _ => throw new TemplateException($"{where}: Fn::Sub needs a string or [String, {{Variables}}]."),
        };
        var builder = new StringBuilder();
        var last = 0;
        foreach (Match match in SubVariable().Matches(template))
        {
            builder.Append(template, last, match.Index - last);
            last = match.Index + match.Length;
            var variable = match.Groups[1].Value;
            if (variable.StartsWith('!'))
            {
                builder.Append("${").Append(variable, 1, variable.Length - 1).Append('}');
            }
            else if (variables is not null && variables.TryGetPropertyValue(variable, out var value))
            {
                builder.Append(ResolveString(value, where));
            }
            else if (variable.Contains('.', StringComparison.Ordinal) && !variable.StartsWith("AWS::", StringComparison.Ordinal))
            {
                var parts = variable.Split('.', 2);
                builder.Append(GetAtt(parts[0], parts[1], where));
            }
            else
            {
                builder.Append(Text(Ref(variable, where)));
            }
        }

        return builder.Append(template, last, template.Length - last).ToString();
    }

    private static string Describe(JsonNode? node) => node?.ToJsonString() ?? "null";

    [GeneratedRegex(@"\$\{([^}]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex SubVariable();
}
