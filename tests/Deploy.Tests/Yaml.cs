using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Deploy.Tests;

internal static class Yaml
{
    /// <summary>Every document of a YAML file (Kubernetes files may hold several).</summary>
    public static IReadOnlyList<YamlMappingNode> LoadAll(string relativePath)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(Repo.Read(relativePath));
        stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    public static YamlMappingNode Load(string relativePath) => LoadAll(relativePath).Single();

    public static YamlNode? Get(this YamlMappingNode node, string key)
        => node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static YamlMappingNode Map(this YamlMappingNode node, string key)
        => node.Get(key) as YamlMappingNode ?? throw new KeyNotFoundException($"'{key}' is not a mapping at {node.Start}.");

    public static YamlSequenceNode Seq(this YamlMappingNode node, string key)
        => node.Get(key) as YamlSequenceNode ?? throw new KeyNotFoundException($"'{key}' is not a sequence at {node.Start}.");

    public static string? Str(this YamlMappingNode node, string key) => (node.Get(key) as YamlScalarNode)?.Value;

    /// <summary>Plain conversion (no intrinsic resolution); scalars become strings.</summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlScalarNode scalar => scalar.Value is null ? null : JsonValue.Create(scalar.Value),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(
            kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, ToJson(kv.Value)))),
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    /// <summary>Every node of a tree, depth first.</summary>
    public static IEnumerable<YamlNode> Descendants(YamlNode node) => node.AllNodes;
}
