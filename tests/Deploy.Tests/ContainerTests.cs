using System.Text.RegularExpressions;
using System.Xml.Linq;
using YamlDotNet.RepresentationModel;

namespace Deploy.Tests;

/// <summary>The Dockerfile (context: the repository root) and the Kubernetes examples. No image is built here.</summary>
public partial class ContainerTests
{
    private const string DockerfilePath = "deploy/docker/Dockerfile";
    private const string GatewayProject = "src/Gateway/Gateway.csproj";

    internal static readonly List<string[]> Instructions = ParseDockerfile();

    [Fact]
    public void Dockerfile_EveryCopiedPathExistsInTheContext()
    {
        var copies = Instructions.Where(i => i[0] == "COPY" && !i.Any(a => a.StartsWith("--from=", StringComparison.Ordinal))).ToList();
        Assert.NotEmpty(copies);
        foreach (var copy in copies)
        {
            var sources = copy.Skip(1).Where(a => !a.StartsWith("--", StringComparison.Ordinal)).SkipLast(1);
            foreach (var source in sources)
            {
                var path = Repo.PathOf(source.TrimEnd('/'));
                Assert.True(File.Exists(path) || Directory.Exists(path), $"COPY {source}: not found relative to the repository root.");
            }
        }
    }

    [Fact]
    public void Dockerfile_CopiesEveryProjectTheGatewayReferences_BeforeRestore()
    {
        var restoreIndex = Instructions.FindIndex(i => i[0] == "RUN" && string.Join(' ', i).Contains("dotnet restore", StringComparison.Ordinal));
        Assert.True(restoreIndex > 0, "no RUN dotnet restore");
        var copiedBeforeRestore = Instructions.Take(restoreIndex).Where(i => i[0] == "COPY").SelectMany(i => i.Skip(1)).ToHashSet(StringComparer.Ordinal);
        var copiedAnywhere = Instructions.Where(i => i[0] == "COPY").SelectMany(i => i.Skip(1)).ToHashSet(StringComparer.Ordinal);

        foreach (var file in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props" })
        {
            Assert.Contains(file, copiedBeforeRestore);
        }

        foreach (var project in ProjectClosure(GatewayProject))
        {
            Assert.Contains(project, copiedBeforeRestore);
            Assert.Contains(Path.GetDirectoryName(project)!.Replace('\\', '/') + "/", copiedAnywhere);
        }

        // Source files a project compiles from outside its own directory (<Compile Include="..\Shared\X.cs" Link=.../>).
        foreach (var project in ProjectClosure(GatewayProject))
        {
            var directory = Path.GetDirectoryName(Repo.PathOf(project))!;
            foreach (var compile in XDocument.Load(Repo.PathOf(project)).Descendants("Compile").Select(c => c.Attribute("Include")?.Value).OfType<string>())
            {
                var full = Path.GetFullPath(Path.Combine(directory, compile.Replace('\\', '/')));
                var folder = Path.GetRelativePath(Repo.Root, Path.GetDirectoryName(full)!).Replace('\\', '/') + "/";
                Assert.True(copiedAnywhere.Contains(folder), $"{project} compiles {compile}, but the Dockerfile does not COPY {folder}");
            }
        }
    }

    [Fact]
    public void Dockerfile_RunsTheGatewayAssemblyAsNonRootOnPort8080()
    {
        var assemblyName = XDocument.Load(Repo.PathOf(GatewayProject)).Descendants("AssemblyName").SingleOrDefault()?.Value
            ?? Path.GetFileNameWithoutExtension(GatewayProject);
        var entryPoint = Assert.Single(Instructions, i => i[0] == "ENTRYPOINT");
        Assert.Equal($"[\"dotnet\", \"{assemblyName}.dll\"]", string.Join(' ', entryPoint.Skip(1)));

        var froms = Instructions.Where(i => i[0] == "FROM").Select(i => i[1]).ToList();
        Assert.Equal(["mcr.microsoft.com/dotnet/sdk:10.0", "mcr.microsoft.com/dotnet/aspnet:10.0"], froms);
        var publish = Assert.Single(Instructions, i => i[0] == "RUN" && i.Contains("publish"));
        Assert.Contains(GatewayProject, publish);
        Assert.Contains("Release", publish);

        var user = Instructions.Last(i => i[0] == "USER")[1];
        Assert.True(user is "$APP_UID" or "1654" or "app", $"USER {user}");
        Assert.Equal("8080", Assert.Single(Instructions, i => i[0] == "EXPOSE")[1]);
        Assert.Contains(Instructions, i => i[0] == "ENV" && i.Contains("ASPNETCORE_HTTP_PORTS=8080"));
    }

    [Fact]
    public void DockerIgnore_KeepsHostBuildOutputOutOfTheContext()
    {
        var lines = Repo.Read(DockerfilePath + ".dockerignore").Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains("**/bin/", lines);
        Assert.Contains("**/obj/", lines);
        Assert.Contains("appsettings.Local.json", lines);
    }

    [Fact]
    public void Deployment_ProbesHitHealthzAndReadyzOnTheContainerPort()
    {
        var container = GatewayContainer();
        var port = Assert.Single(container.Seq("ports").Children.Cast<YamlMappingNode>());
        Assert.Equal("8080", port.Str("containerPort"));
        Assert.Equal("8080", Assert.Single(Instructions, i => i[0] == "EXPOSE")[1]);

        foreach (var (probe, path) in new[] { ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz") })
        {
            var get = container.Map(probe).Map("httpGet");
            Assert.Equal(path, get.Str("path"));
            var target = get.Str("port");
            Assert.True(target == port.Str("containerPort") || target == port.Str("name"), $"{probe} port {target}");
        }
    }

    [Fact]
    public void Deployment_IsLockedDown()
    {
        var pod = Yaml.Load("deploy/kubernetes/deployment.yaml").Map("spec").Map("template").Map("spec");
        Assert.Equal("true", pod.Map("securityContext").Str("runAsNonRoot"));
        var container = GatewayContainer();
        var security = container.Map("securityContext");
        Assert.Equal("true", security.Str("readOnlyRootFilesystem"));
        Assert.Equal("false", security.Str("allowPrivilegeEscalation"));
        Assert.Equal(["ALL"], security.Map("capabilities").Seq("drop").Children.Select(c => ((YamlScalarNode)c).Value));
        Assert.NotNull(container.Map("resources").Get("requests"));
        Assert.NotNull(container.Map("resources").Get("limits"));

        var tmp = Assert.Single(container.Seq("volumeMounts").Children.Cast<YamlMappingNode>(), m => m.Str("mountPath") == "/tmp");
        var volume = Assert.Single(pod.Seq("volumes").Children.Cast<YamlMappingNode>(), v => v.Str("name") == tmp.Str("name"));
        Assert.NotNull(volume.Get("emptyDir"));

        var account = Yaml.Load("deploy/kubernetes/serviceaccount.yaml");
        Assert.Equal(account.Map("metadata").Str("name"), pod.Str("serviceAccountName"));
        Assert.StartsWith("arn:aws:iam::", account.Map("metadata").Map("annotations").Str("eks.amazonaws.com/role-arn"), StringComparison.Ordinal);

        var env = container.Seq("env").Children.Cast<YamlMappingNode>().ToList();
        var key = Assert.Single(env, e => e.Str("name") == "TenantIsolation__Envelopes__applications__Current__Key");
        Assert.NotNull(key.Map("valueFrom").Get("secretKeyRef"));
        Assert.Equal("User", Assert.Single(env, e => e.Str("name") == "TenantIsolation__CredentialScope").Str("value"));
    }

    [Fact]
    public void Service_TargetsTheContainerPort()
    {
        var service = Yaml.Load("deploy/kubernetes/service.yaml");
        var port = Assert.Single(GatewayContainer().Seq("ports").Children.Cast<YamlMappingNode>());
        var target = Assert.Single(service.Map("spec").Seq("ports").Children.Cast<YamlMappingNode>()).Str("targetPort");
        Assert.True(target == port.Str("name") || target == port.Str("containerPort"), $"targetPort {target}");
        var labels = Yaml.Load("deploy/kubernetes/deployment.yaml").Map("spec").Map("template").Map("metadata").Map("labels");
        Assert.All(service.Map("spec").Map("selector").Children, s => Assert.Equal(((YamlScalarNode)s.Value).Value, labels.Str(((YamlScalarNode)s.Key).Value!)));
    }

    private static YamlMappingNode GatewayContainer()
        => Assert.Single(Yaml.Load("deploy/kubernetes/deployment.yaml").Map("spec").Map("template").Map("spec").Seq("containers").Children.Cast<YamlMappingNode>());

    /// <summary>The project and every project it references, transitively, as repository-relative paths.</summary>
    private static SortedSet<string> ProjectClosure(string project)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!result.Add(current))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(Repo.PathOf(current))!;
            foreach (var reference in XDocument.Load(Repo.PathOf(current)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(directory, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                pending.Push(Path.GetRelativePath(Repo.Root, full).Replace('\\', '/'));
            }
        }

        return result;
    }

    /// <summary>Instructions as whitespace-separated words (comments dropped, continuations joined).</summary>
    private static List<string[]> ParseDockerfile()
    {
        var text = Repo.Read(DockerfilePath);
        var lines = text.Split('\n').Where(l => !l.TrimStart().StartsWith('#'));
        var joined = Continuation().Replace(string.Join('\n', lines), " ");
        return joined.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToList();
    }

    [GeneratedRegex(@"\\\n")]
    private static partial Regex Continuation();
}
