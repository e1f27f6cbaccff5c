using System.Xml.Linq;
using Gateway.Testing;

namespace LocalAws.Tests.Layout;

/// <summary>
/// <c>src/</c> holds only what ships: no project under it may reference anything under <c>tools/</c> (LocalAws, its bench)
/// or a LocalAws project wherever it lives. LocalAws itself lives in <see cref="RepoPaths.LocalAwsProject"/>.
/// </summary>
public sealed class SourceLayoutTests
{
    [Fact]
    public void SourceProjects_ReferenceNothingUnderToolsNorLocalAws()
    {
        var projects = Directory.GetFiles(RepoPaths.Combine("src"), "*.csproj", SearchOption.AllDirectories);

        Assert.Contains(projects, p => Path.GetFileName(p) == "Gateway.csproj"); // the scan really reads src/
        var offending = projects.SelectMany(p => ForbiddenReferences(p, RepoPaths.Root)).ToArray();
        Assert.True(offending.Length == 0, "src/ must not reference tools/ or LocalAws:\n" + string.Join('\n', offending));
    }

    [Fact]
    public void LocalAws_LivesUnderToolsNotSrc()
    {
        Assert.True(File.Exists(RepoPaths.Combine(RepoPaths.LocalAwsProject, "LocalAws.csproj")));
        Assert.StartsWith("tools/", RepoPaths.LocalAwsProject, StringComparison.Ordinal);
        Assert.False(Directory.Exists(RepoPaths.Combine("src", "LocalAws")));
    }

    [Theory]
    [InlineData(@"..\..\tools\LocalAws\LocalAws.csproj")]
    [InlineData("../../tools/LocalAws.Bench/LocalAws.Bench.csproj")]
    [InlineData(@"..\..\tools\Anything\Anything.csproj")]
    [InlineData(@"..\LocalAws\LocalAws.csproj")]
    public void ForbiddenReferences_ReferenceIntoToolsOrToLocalAws_IsReported(string include)
    {
        using var repo = new TempRepo();
        var project = repo.Project(include);

        var offending = Assert.Single(ForbiddenReferences(project, repo.Root));
        Assert.Contains(include, offending, StringComparison.Ordinal);
    }

    [Fact]
    public void ForbiddenReferences_ReferenceToAnotherSourceProject_IsAllowed()
    {
        using var repo = new TempRepo();
        var project = repo.Project(@"..\Gateway.Policies\Gateway.Policies.csproj");

        Assert.Empty(ForbiddenReferences(project, repo.Root));
    }

    /// <summary>Each ProjectReference of <paramref name="csproj"/> that resolves under <c>{repoRoot}/tools/</c> or names a LocalAws project.</summary>
    internal static IEnumerable<string> ForbiddenReferences(string csproj, string repoRoot)
    {
        var tools = Path.GetFullPath(Path.Combine(repoRoot, "tools")) + Path.DirectorySeparatorChar;
        var directory = Path.GetDirectoryName(Path.GetFullPath(csproj))!;
        foreach (var reference in XDocument.Load(csproj).Descendants().Where(e => e.Name.LocalName == "ProjectReference"))
        {
            var include = (string?)reference.Attribute("Include");
            if (string.IsNullOrEmpty(include))
            {
                continue;
            }

            var target = Path.GetFullPath(Path.Combine(directory, include.Replace('\\', Path.DirectorySeparatorChar)));
            var name = Path.GetFileNameWithoutExtension(target);
            if (target.StartsWith(tools, StringComparison.Ordinal)
                || name.Equals("LocalAws", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("LocalAws.", StringComparison.OrdinalIgnoreCase))
            {
                yield return $"{Path.GetRelativePath(repoRoot, csproj)} -> {include}";
            }
        }
    }

    /// <summary>A throw-away <c>{root}/src/App/App.csproj</c> with one ProjectReference.</summary>
    private sealed class TempRepo : IDisposable
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("layout-").FullName;

        public string Project(string include)
        {
            var path = Path.Combine(Root, "src", "App", "App.csproj");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, $"""<Project Sdk="Microsoft.NET.Sdk"><ItemGroup><ProjectReference Include="{include}" /></ItemGroup></Project>""");
            return path;
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }
}
