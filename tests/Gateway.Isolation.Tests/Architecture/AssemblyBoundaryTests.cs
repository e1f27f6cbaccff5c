using System.Xml.Linq;
using Gateway.Isolation.Evaluation;
using Gateway.Testing;

namespace Gateway.Isolation.Tests.Architecture;

/// <summary>
/// The decision engine stays HTTP-free, and project references point down only: Policies (and Envelopes) reference no
/// project of ours, Isolation only Policies (and Envelopes), the web host Isolation; nothing in src/ references tools/.
/// </summary>
public sealed class AssemblyBoundaryTests
{
    private static readonly string[] Forbidden = ["Microsoft.AspNetCore", "Yarp"];

    [Fact]
    public void GatewayIsolation_ReferencedAssemblies_NoAspNetCoreOrYarp()
    {
        var referenced = typeof(ITenantIsolationEvaluator).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("Gateway.Policies", referenced); // the list is real
        Assert.DoesNotContain(referenced, name => Forbidden.Any(f => name.StartsWith(f, StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void GatewayIsolation_Project_NoFrameworkReferenceOrWebPackages()
    {
        var project = Load(RepoPaths.Combine("src", "Gateway.Isolation", "Gateway.Isolation.csproj"));

        Assert.Equal("Microsoft.NET.Sdk", project.Root!.Attribute("Sdk")?.Value);
        Assert.Empty(project.Descendants("FrameworkReference"));
        var packages = project.Descendants("PackageReference").Select(p => p.Attribute("Include")!.Value).ToList();
        Assert.Contains("Polly.Core", packages);
        Assert.DoesNotContain(packages, name => Forbidden.Any(f => name.StartsWith(f, StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void GatewayIsolation_NoSsmClient()
    {
        // The SSM envelope-key client is the host's envelope configuration (src/Gateway/Configuration), not the engine's.
        var referenced = typeof(ITenantIsolationEvaluator).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        var packages = Load(RepoPaths.Combine("src", "Gateway.Isolation", "Gateway.Isolation.csproj"))
            .Descendants("PackageReference").Select(p => p.Attribute("Include")!.Value).ToList();

        Assert.Contains("AWSSDK.SecurityToken", referenced); // the lists are real
        Assert.Contains("AWSSDK.SecurityToken", packages);
        Assert.DoesNotContain("AWSSDK.SimpleSystemsManagement", referenced);
        Assert.DoesNotContain("AWSSDK.SimpleSystemsManagement", packages);
    }

    [Fact]
    public void GatewayCli_Project_NoWebHost()
    {
        // The operator verbs run inside Gateway.dll but are not the web host: no ASP.NET Core, no YARP, no reference to it.
        var project = Load(RepoPaths.Combine("src", "Gateway.Cli", "Gateway.Cli.csproj"));

        Assert.Equal("Microsoft.NET.Sdk", project.Root!.Attribute("Sdk")?.Value);
        Assert.Empty(project.Descendants("FrameworkReference"));
        var packages = project.Descendants("PackageReference").Select(p => p.Attribute("Include")!.Value).ToList();
        Assert.Contains("System.CommandLine", packages);
        Assert.DoesNotContain(packages, name => Forbidden.Any(f => name.StartsWith(f, StringComparison.OrdinalIgnoreCase)));
    }

    [Theory]
    [InlineData("Gateway.Migration")]
    [InlineData("Gateway.Verification")]
    public void Project_NoAspNetCoreFrameworkReferenceOrWebPackages(string name)
    {
        var project = Load(RepoPaths.Combine("src", name, $"{name}.csproj"));

        Assert.Equal("Microsoft.NET.Sdk", project.Root!.Attribute("Sdk")?.Value);
        Assert.Empty(project.Descendants("FrameworkReference"));
        var packages = project.Descendants("PackageReference").Select(p => p.Attribute("Include")!.Value).ToList();
        Assert.Contains("AWSSDK.DynamoDBv2", packages); // the list is real
        Assert.DoesNotContain(packages, package => Forbidden.Any(f => package.StartsWith(f, StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void GatewayIsolation_InternalsVisibleTo_NoMigration()
    {
        var friends = typeof(ITenantIsolationEvaluator).Assembly.GetCustomAttributes(typeof(System.Runtime.CompilerServices.InternalsVisibleToAttribute), inherit: false)
            .Cast<System.Runtime.CompilerServices.InternalsVisibleToAttribute>()
            .Select(a => a.AssemblyName)
            .ToList();

        Assert.Contains("Gateway.Isolation.Tests", friends); // the list is real
        Assert.DoesNotContain(friends, name => name.StartsWith("Gateway.Migration", StringComparison.Ordinal));
    }

    public static TheoryData<string, string[]> AllowedReferences => new()
    {
        { "src/Gateway.Policies/Gateway.Policies.csproj", [] },
        { "src/Gateway.Envelopes/Gateway.Envelopes.csproj", [] },
        { "src/Gateway.Isolation/Gateway.Isolation.csproj", ["Gateway.Policies", "Gateway.Envelopes"] },
        { "src/Gateway.Verification/Gateway.Verification.csproj", ["Gateway.Isolation"] },
        { "src/Gateway.Migration/Gateway.Migration.csproj", ["Gateway.Isolation", "Gateway.Verification", "Gateway.Backend"] },
        { "src/Gateway/Gateway.csproj", ["Gateway.Isolation", "Gateway.Envelopes", "Gateway.Cli", "Gateway.Verification"] },
        { "src/Gateway.Cli/Gateway.Cli.csproj", ["Gateway.Isolation", "Gateway.Verification"] },
    };

    [Theory]
    [MemberData(nameof(AllowedReferences))]
    public void ProjectReferences_PointDownOnly(string projectPath, string[] allowed)
    {
        var references = ProjectReferences(projectPath);

        Assert.All(references, name => Assert.Contains(name, allowed));
    }

    [Fact]
    public void SourceProjects_NeverReferenceTools()
    {
        var projects = Directory.GetFiles(RepoPaths.Combine("src"), "*.csproj", SearchOption.AllDirectories);
        Assert.NotEmpty(projects);

        foreach (var project in projects)
        {
            foreach (var include in Load(project).Descendants("ProjectReference").Select(r => r.Attribute("Include")!.Value))
            {
                var target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, include.Replace('\\', '/')));
                Assert.False(
                    target.StartsWith(RepoPaths.Combine("tools") + Path.DirectorySeparatorChar, StringComparison.Ordinal),
                    $"{Path.GetRelativePath(RepoPaths.Root, project)} references {include} under tools/");
            }
        }
    }

    private static List<string> ProjectReferences(string projectPath)
        => Load(RepoPaths.Combine(projectPath.Split('/')))
            .Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
            .ToList();

    private static XDocument Load(string path) => XDocument.Load(path);
}
