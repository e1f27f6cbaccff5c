using System.Text.RegularExpressions;
using Gateway.Testing;

namespace Gateway.Isolation.Tests.Architecture;

/// <summary>
/// Feature folders depend one way: within a project, no namespace reaches (by <c>using</c> or a qualified name)
/// a namespace that reaches back to it, directly or through others.
/// </summary>
public sealed partial class NamespaceCycleTests
{
    [Theory]
    [InlineData("Gateway.Policies")]
    [InlineData("Gateway.Verification")]
    [InlineData("Gateway.Migration")]
    public void Project_NoNamespaceCycles(string project)
    {
        var graph = Graph(project);

        Assert.True(graph.Count > 1 || project == "Gateway.Verification", $"{project}: no namespaces found"); // the graph is real
        var cycle = FindCycle(graph);
        Assert.True(cycle is null, $"{project}: namespace cycle {cycle}");
    }

    [Fact]
    public void FindCycle_TwoNamespacesReferencingEachOther_Found()
    {
        var graph = new Dictionary<string, HashSet<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A"],
            ["D"] = ["A"],
        };

        Assert.Equal("A → B → C → A", FindCycle(graph));
        graph["C"].Clear();
        Assert.Null(FindCycle(graph));
    }

    /// <summary>Namespace → the project's other namespaces its files name (usings and qualified names).</summary>
    private static Dictionary<string, HashSet<string>> Graph(string project)
    {
        var files = Directory.GetFiles(RepoPaths.Combine("src", project), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Text: File.ReadAllText(f), Namespace: NamespaceDeclaration().Match(File.ReadAllText(f)).Groups[1].Value))
            .Where(f => f.Namespace.StartsWith(project, StringComparison.Ordinal))
            .ToList();
        var namespaces = files.Select(f => f.Namespace).ToHashSet(StringComparer.Ordinal);
        var graph = namespaces.ToDictionary(n => n, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var (text, ns) in files)
        {
            foreach (var other in namespaces.Where(o => o != ns && !ns.StartsWith(o + ".", StringComparison.Ordinal) && o != project))
            {
                var relative = other[(project.Length + 1)..];
                if (text.Contains($"using {other};", StringComparison.Ordinal)
                    || Regex.IsMatch(text, $@"(?<![\w.]){Regex.Escape(relative)}\.[A-Z]")
                    || text.Contains($"{other}.", StringComparison.Ordinal))
                {
                    graph[ns].Add(other);
                }
            }
        }

        return graph;
    }

    private static string? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the path, 2 done
        var path = new List<string>();

        string? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph[node].Order(StringComparer.Ordinal))
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return string.Join(" → ", path.Skip(path.IndexOf(next)).Append(next));
                }

                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }

        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();
}
