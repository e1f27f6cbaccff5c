using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Deploy.Tests;

/// <summary>
/// Every Kubernetes object under <c>deploy/kubernetes</c> (subfolders included, kustomization files excepted), parsed
/// by the Kubernetes client's typed models in strict mode: a misspelled or misplaced field is an error, not ignored.
/// </summary>
internal static class Manifests
{
    public const string Root = "deploy/kubernetes";
    public const string KustomizationFile = "kustomization.yaml";

    private static readonly Lazy<IReadOnlyList<Manifest>> Loaded = new(Load);

    public static IReadOnlyList<Manifest> All => Loaded.Value;

    public static IEnumerable<T> OfType<T>()
        where T : IKubernetesObject<V1ObjectMeta>
        => All.Select(m => m.Object).OfType<T>();

    public static T Get<T>(string @namespace, string name)
        where T : IKubernetesObject<V1ObjectMeta>
        => Assert.Single(OfType<T>(), o => (o.Namespace() ?? string.Empty) == @namespace && o.Name() == name);

    public static IEnumerable<string> YamlFiles(string relativeDirectory, SearchOption option)
        => Directory.EnumerateFiles(Repo.PathOf(relativeDirectory), "*.yaml", option)
            .Select(f => Path.GetRelativePath(Repo.Root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    /// <summary>Strict, typed parse of one YAML text (every document).</summary>
    public static List<object> Parse(string yaml) => KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true);

    /// <summary>A string value of a Secret (stringData, else base64-decoded data).</summary>
    public static string? SecretValue(V1Secret secret, string key)
        => secret.StringData is { } text && text.TryGetValue(key, out var value) ? value
            : secret.Data is { } data && data.TryGetValue(key, out var bytes) ? System.Text.Encoding.UTF8.GetString(bytes)
            : null;

    public static bool HasKey(V1Secret secret, string key)
        => (secret.StringData?.ContainsKey(key) ?? false) || (secret.Data?.ContainsKey(key) ?? false);

    public static bool Matches(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        if (selector is null)
        {
            return false;
        }

        Assert.Null(selector.MatchExpressions); // the examples use matchLabels only; extend the matcher before using expressions
        labels ??= new Dictionary<string, string>();
        return (selector.MatchLabels ?? new Dictionary<string, string>()).All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value);
    }

    /// <summary>A Service or probe port (name or number) resolved against a container's ports; null when none matches.</summary>
    public static V1ContainerPort? Resolve(IntOrString port, V1Container container)
        => container.Ports?.SingleOrDefault(p => int.TryParse(port.Value, out var number) ? p.ContainerPort == number : p.Name == port.Value);

    /// <summary>Namespace labels as the API server sets them: the manifest's plus kubernetes.io/metadata.name.</summary>
    public static IDictionary<string, string> NamespaceLabels(string name)
    {
        var labels = new Dictionary<string, string>(Get<V1Namespace>(string.Empty, name).Labels() ?? new Dictionary<string, string>())
        {
            ["kubernetes.io/metadata.name"] = name,
        };
        return labels;
    }

    public static IReadOnlyList<string> KustomizationResources(string kustomizationPath)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(Repo.Read(kustomizationPath));
        stream.Load(reader);
        var root = (YamlMappingNode)stream.Documents.Single().RootNode;
        Assert.Equal("Kustomization", root.Str("kind"));
        return root.Seq("resources").Children.Select(c => ((YamlScalarNode)c).Value!).ToList();
    }

    private static List<Manifest> Load()
    {
        var manifests = new List<Manifest>();
        foreach (var path in YamlFiles(Root, SearchOption.AllDirectories).Where(p => Path.GetFileName(p) != KustomizationFile))
        {
            foreach (var item in Parse(Repo.Read(path)))
            {
                var typed = Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(item);
                manifests.Add(new Manifest(path, typed));
            }
        }

        return manifests;
    }
}

internal sealed record Manifest(string Path, IKubernetesObject<V1ObjectMeta> Object)
{
    public string Namespace => Object.Namespace() ?? string.Empty;

    public string Name => Object.Name();

    public string Kind => Object.Kind;
}
