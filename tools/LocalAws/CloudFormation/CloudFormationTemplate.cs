using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LocalAws.CloudFormation;

/// <summary>
/// A CloudFormation template file read into a JSON tree: YAML (long-form intrinsics only, every scalar a string) or JSON.
/// Short-form YAML tags (<c>!Ref</c>, <c>!Sub</c>…) are refused: the deployment template is written without them so any
/// YAML reader can parse it.
/// </summary>
internal static class CloudFormationTemplate
{
    public static JsonObject Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"CloudFormation template '{path}' does not exist.");
        }

        var text = File.ReadAllText(path);
        JsonNode? root;
        try
        {
            root = text.TrimStart().StartsWith('{') ? JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true }) : FromYaml(text, path);
        }
        catch (Exception e) when (e is JsonException or YamlException)
        {
            throw new InvalidOperationException($"CloudFormation template '{path}' is not valid YAML/JSON: {e.Message}", e);
        }

        return root as JsonObject ?? throw new InvalidOperationException($"CloudFormation template '{path}' is not a mapping.");
    }

    private static JsonNode? FromYaml(string text, string path)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(text))
        {
            stream.Load(reader);
        }

        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode, path);
    }

    private static JsonNode? Convert(YamlNode node, string path)
    {
        if (!node.Tag.IsEmpty && !node.Tag.IsNonSpecific && node.Tag.Value.StartsWith('!'))
        {
            throw new InvalidOperationException($"CloudFormation template '{path}' line {node.Start.Line}: short-form intrinsic {node.Tag.Value} is not supported; write the long form ({{ \"Fn::…\": … }} or {{ Ref: … }}).");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                var result = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    result[((YamlScalarNode)key).Value ?? string.Empty] = Convert(value, path);
                }

                return result;
            case YamlSequenceNode sequence:
                return new JsonArray([.. sequence.Children.Select(c => Convert(c, path))]);
            case YamlScalarNode scalar:
                return scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && (scalar.Value is null || scalar.Value is "~" or "null" or "") ? null : JsonValue.Create(scalar.Value ?? string.Empty);
            default:
                throw new InvalidOperationException($"CloudFormation template '{path}' line {node.Start.Line}: unsupported YAML node.");
        }
    }
}
