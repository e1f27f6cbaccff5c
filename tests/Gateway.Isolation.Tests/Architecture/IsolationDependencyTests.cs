using Gateway.Isolation.Evaluation;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Gateway.Isolation.Tests.Architecture;

/// <summary>
/// No namespace cycles inside Gateway.Isolation, and no reference to ASP.NET Core or YARP from
/// either: every type's dependencies (base types, interfaces, fields, properties, signatures and the types, methods and
/// fields its IL uses) read with Mono.Cecil from the compiled assemblies.
/// </summary>
public sealed class IsolationDependencyTests
{
    private static readonly string IsolationPath = typeof(ITenantIsolationEvaluator).Assembly.Location;
    private static readonly string PoliciesPath = typeof(Gateway.Policies.OrganizationId).Assembly.Location;

    // Gateway.Policies and Gateway.Verification: NamespaceCycleTests (source level).
    [Theory]
    [InlineData("Gateway.Isolation")]
    public void Assembly_NamespaceGraph_HasNoCycle(string assembly)
    {
        var graph = NamespaceGraph(assembly == "Gateway.Isolation" ? IsolationPath : PoliciesPath, assembly);
        Assert.True(graph.Count > 1, "the graph is real");

        var cycle = FindCycle(graph);

        Assert.True(cycle is null, $"namespace cycle in {assembly}: {string.Join(" → ", cycle ?? [])}");
    }

    [Theory]
    [InlineData("Gateway.Isolation")]
    [InlineData("Gateway.Policies")]
    public void Assembly_Types_ReferenceNoAspNetCoreOrYarp(string assembly)
    {
        using var module = ModuleDefinition.ReadModule(assembly == "Gateway.Isolation" ? IsolationPath : PoliciesPath);
        var used = Types(module).SelectMany(Dependencies).Select(t => t.Namespace).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("System", used); // the list is real
        Assert.DoesNotContain(used, ns => ns.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || ns.StartsWith("Yarp", StringComparison.Ordinal));
    }

    [Fact]
    public void FindCycle_ACycleThroughThreeNamespaces_Found_TwinChainNone()
    {
        var chain = new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = [] };
        Assert.Null(FindCycle(chain));

        chain["C"].Add("A");
        Assert.Equal(["A", "B", "C", "A"], FindCycle(chain));
    }

    /// <summary>Namespace → namespaces of the same assembly (under <paramref name="root"/>) its types use.</summary>
    private static Dictionary<string, HashSet<string>> NamespaceGraph(string path, string root)
    {
        using var module = ModuleDefinition.ReadModule(path);
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var type in Types(module))
        {
            var from = TopLevel(type).Namespace;
            if (!from.StartsWith(root, StringComparison.Ordinal))
            {
                continue; // e.g. Microsoft.Extensions.DependencyInjection (registration extensions)
            }

            if (!graph.TryGetValue(from, out var edges))
            {
                graph[from] = edges = new HashSet<string>(StringComparer.Ordinal);
            }

            foreach (var dependency in Dependencies(type))
            {
                if (dependency.Scope == module && dependency.Namespace.StartsWith(root, StringComparison.Ordinal) && dependency.Namespace != from)
                {
                    edges.Add(dependency.Namespace);
                }
            }
        }

        return graph;
    }

    private static IEnumerable<TypeDefinition> Types(ModuleDefinition module)
        => module.GetTypes().Where(t => t.Name != "<Module>" && !t.Name.StartsWith("<PrivateImplementationDetails>", StringComparison.Ordinal));

    private static TypeReference TopLevel(TypeReference type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    /// <summary>Top-level types (element types of arrays, generic arguments too) a type uses; Scope tells whose they are.</summary>
    private static IEnumerable<(string Namespace, object Scope)> Dependencies(TypeDefinition type)
    {
        var found = new List<TypeReference>();
        if (type.BaseType is not null)
        {
            found.Add(type.BaseType);
        }

        found.AddRange(type.Interfaces.Select(i => i.InterfaceType));
        found.AddRange(type.Fields.Select(f => f.FieldType));
        found.AddRange(type.Properties.Select(p => p.PropertyType));
        found.AddRange(type.CustomAttributes.Select(a => a.AttributeType));
        foreach (var method in type.Methods)
        {
            found.Add(method.ReturnType);
            found.AddRange(method.Parameters.Select(p => p.ParameterType));
            if (!method.HasBody)
            {
                continue;
            }

            found.AddRange(method.Body.Variables.Select(v => v.VariableType));
            foreach (var instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t:
                        found.Add(t);
                        break;
                    case MethodReference m:
                        found.Add(m.DeclaringType);
                        found.Add(m.ReturnType);
                        found.AddRange(m.Parameters.Select(p => p.ParameterType));
                        if (m is GenericInstanceMethod g)
                        {
                            found.AddRange(g.GenericArguments);
                        }

                        break;
                    case FieldReference f:
                        found.Add(f.DeclaringType);
                        found.Add(f.FieldType);
                        break;
                }
            }
        }

        foreach (var reference in found.SelectMany(Expand))
        {
            var top = TopLevel(reference);
            // A type of this module is a TypeDefinition (or a reference scoped to the module itself); others are scoped to their assembly.
            object scope = top is TypeDefinition definition ? definition.Module : (object?)top.Scope ?? string.Empty;
            yield return (top.Namespace, scope);
        }
    }

    /// <summary>A type and the types inside it: array/pointer/by-ref element types and generic arguments.</summary>
    private static IEnumerable<TypeReference> Expand(TypeReference type)
    {
        switch (type)
        {
            case GenericInstanceType generic:
                yield return generic.ElementType;
                foreach (var argument in generic.GenericArguments.SelectMany(Expand))
                {
                    yield return argument;
                }

                break;
            case TypeSpecification specification:
                foreach (var inner in Expand(specification.ElementType))
                {
                    yield return inner;
                }

                break;
            case GenericParameter:
                break;
            default:
                yield return type;
                break;
        }
    }

    /// <summary>The first cycle found (start repeated at the end), or null.</summary>
    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the path, 2 done
        var path = new List<string>();
        foreach (var start in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(start) is { } cycle)
            {
                return cycle;
            }
        }

        return null;

        List<string>? Visit(string node)
        {
            if (state.TryGetValue(node, out var s))
            {
                return s == 1 ? [.. path.Skip(path.IndexOf(node)), node] : null;
            }

            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.TryGetValue(node, out var edges) ? edges.Order(StringComparer.Ordinal) : Enumerable.Empty<string>())
            {
                if (Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
    }
}
