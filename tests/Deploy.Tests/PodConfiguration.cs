using System.Reflection;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Deploy.Tests;

/// <summary>What a container of the examples would see: the image's environment, the pod's env (Secrets resolved by a
/// given source, <c>$(VAR)</c> expanded as the kubelet does) and the ConfigMap files mounted into its working directory.</summary>
internal static partial class PodConfiguration
{
    public const string GatewayNamespace = "tenant-gateway";
    public const string BackendNamespace = "applications";

    public static V1Deployment GatewayDeployment => Manifests.Get<V1Deployment>(GatewayNamespace, "tenant-gateway");

    public static V1Deployment BackendDeployment => Manifests.Get<V1Deployment>(BackendNamespace, "applications-api");

    public static V1Container Container(V1Deployment deployment) => Assert.Single(deployment.Spec.Template.Spec.Containers);

    /// <summary>Freshly generated values for every Secret key the examples use (the same envelope key for gateway and backend, as docs/deploy.md says).</summary>
    public static Func<V1Secret, string, string> GeneratedSecrets { get; } = CreateGenerated();

    /// <summary>The templates' own (placeholder) values.</summary>
    public static string TemplateSecret(V1Secret secret, string key) => Manifests.SecretValue(secret, key) ?? throw new KeyNotFoundException(key);

    /// <summary>The runtime stage's WORKDIR and ENV of deploy/docker/Dockerfile.</summary>
    public static (string WorkingDirectory, IReadOnlyDictionary<string, string> Environment) Image()
    {
        var runtime = ContainerTests.Instructions.Skip(ContainerTests.Instructions.FindLastIndex(i => i[0] == "FROM")).ToList();
        var workdir = runtime.Last(i => i[0] == "WORKDIR")[1];
        var environment = runtime.Where(i => i[0] == "ENV").SelectMany(i => i.Skip(1)).Select(kv => kv.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
        return (workdir, environment);
    }

    /// <summary>The container's env in order, values resolved; fieldRef values are stand-ins.</summary>
    public static List<KeyValuePair<string, string>> Environment(V1Deployment deployment, Func<V1Secret, string, string> secrets)
    {
        var @namespace = deployment.Namespace();
        var result = new List<KeyValuePair<string, string>>();
        foreach (var variable in Container(deployment).Env ?? [])
        {
            string value;
            if (variable.ValueFrom is null)
            {
                var defined = result.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
                value = Reference().Replace(variable.Value ?? string.Empty, m => defined.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
            }
            else if (variable.ValueFrom.SecretKeyRef is { } secretRef)
            {
                value = secrets(Manifests.Get<V1Secret>(@namespace, secretRef.Name), secretRef.Key);
            }
            else if (variable.ValueFrom.ConfigMapKeyRef is { } mapRef)
            {
                value = Manifests.Get<V1ConfigMap>(@namespace, mapRef.Name).Data[mapRef.Key];
            }
            else if (variable.ValueFrom.FieldRef is { } field)
            {
                value = $"fieldref-{field.FieldPath}";
            }
            else
            {
                throw new NotSupportedException($"env {variable.Name}: unsupported valueFrom");
            }

            result.Add(KeyValuePair.Create(variable.Name, value));
        }

        return result;
    }

    /// <summary>ConfigMap keys mounted as single files (subPath): mount path → content.</summary>
    public static Dictionary<string, string> MountedFiles(V1Deployment deployment)
    {
        var volumes = deployment.Spec.Template.Spec.Volumes ?? [];
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var mount in Container(deployment).VolumeMounts ?? [])
        {
            var volume = Assert.Single(volumes, v => v.Name == mount.Name);
            if (volume.ConfigMap is { } map && mount.SubPath is { } key)
            {
                files[mount.MountPath] = Manifests.Get<V1ConfigMap>(deployment.Namespace(), map.Name).Data[key];
            }
        }

        return files;
    }

    /// <summary>
    /// The gateway as its container would configure it: the mounted files as the content root's appsettings, the image's
    /// and the pod's environment on top, then the gateway's own registration (<c>AddTenantGateway</c>), its envelope-key
    /// parameter step and its start-up validation (every options class and YARP's route/cluster validation with the
    /// gateway's route rules). Not started: nothing listens, nothing calls AWS or Redis.
    /// </summary>
    /// <param name="secrets">Values for the Secrets' keys.</param>
    /// <param name="overrides">Extra configuration on top (a stand-in for what EKS injects, e.g. the pod identity).</param>
    public static async Task<GatewayUnderTest> BuildGatewayAsync(Func<V1Secret, string, string> secrets, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var (workdir, imageEnvironment) = Image();
        var environment = imageEnvironment.Select(kv => kv).Concat(Environment(GatewayDeployment, secrets)).ToList();
        var environmentName = environment.Last(kv => kv.Key == "ASPNETCORE_ENVIRONMENT").Value;
        var directory = Directory.CreateTempSubdirectory("deploy-tests-gateway-");
        foreach (var (path, content) in MountedFiles(GatewayDeployment).Where(f => Path.GetDirectoryName(f.Key)?.Replace('\\', '/') == workdir))
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, Path.GetFileName(path)), content);
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = directory.FullName, EnvironmentName = environmentName });
        builder.Configuration.AddInMemoryCollection(environment.Select(kv => KeyValuePair.Create(ConfigurationKeys.ToKey(kv.Key), (string?)kv.Value)));
        builder.Configuration.AddInMemoryCollection(overrides ?? new Dictionary<string, string?>());
        GatewayInternal("Microsoft.Extensions.DependencyInjection.GatewayServiceCollectionExtensions", "AddTenantGateway")
            .Invoke(null, [builder.Services, builder.Configuration]);
        var app = builder.Build();
        var failures = new List<string>();
        var resolverType = GatewayAssembly.GetType("Gateway.Configuration.EnvelopeKeyParameterResolver", throwOnError: true)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            // Reads SSM only for envelope keys configured as parameters without a key: none in the example.
            await (Task)resolverType.GetMethod("ResolveAsync")!.Invoke(app.Services.GetRequiredService(resolverType), [timeout.Token])!;
        }
        catch (Exception ex) when (ex.GetType().Name == "GatewayStartupException")
        {
            failures.Add(ex.Message);
        }

        failures.AddRange(Gateway.Isolation.Configuration.GatewayConfiguration.ValidateAll(app.Services));
        return new GatewayUnderTest(app, failures, directory, builder.Configuration);
    }

    public static Assembly GatewayAssembly { get; } = Assembly.Load("Gateway");

    public static Assembly BackendAssembly { get; } = Assembly.Load("Applications.Api");

    public static MethodInfo GatewayInternal(string typeName, string method)
        => GatewayAssembly.GetType(typeName, throwOnError: true)!.GetMethod(method, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new MissingMethodException(typeName, method);

    /// <summary>Route patterns the application maps (probes, metrics, the proxy's routes).</summary>
    public static IReadOnlyList<string> RoutePatterns(IEndpointRouteBuilder app)
        => app.DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText ?? string.Empty).ToList();

    private static Func<V1Secret, string, string> CreateGenerated()
    {
        var envelopeKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var sealingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        return (secret, key) => key switch
        {
            "key" => envelopeKey,
            "sealing-key" => sealingKey,
            // Not secret material: the template's values are what an operator would put there.
            "keyId" or "redis" => TemplateSecret(secret, key),
            _ => throw new InvalidOperationException($"Secret {secret.Name()} key {key}: the tests do not know how to generate it; add it here and to docs/deploy.md."),
        };
    }

    /// <summary>Kubernetes' dependent environment variable syntax.</summary>
    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")]
    public static partial Regex Reference();
}

internal sealed class GatewayUnderTest(WebApplication app, IReadOnlyList<string> failures, DirectoryInfo directory, IConfiguration configuration) : IAsyncDisposable
{
    public WebApplication App { get; } = app;

    public IReadOnlyList<string> Failures { get; } = failures;

    public IConfiguration Configuration { get; } = configuration;

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        directory.Delete(recursive: true);
    }
}
