using System.Reflection;
using System.Text.Json.Nodes;
using Gateway.Backend.Context;
using Gateway.Isolation.Configuration;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace Deploy.Tests;

/// <summary>
/// The Kubernetes examples' configuration through the applications' own code: every key names a property the gateway
/// or the backend binds, the gateway's start-up validation (options and YARP routes) accepts it with real-format
/// secrets and refuses the templates' placeholders, and the probe, metrics and backend addresses exist.
/// </summary>
public class KubernetesConfigurationTests
{
    private static readonly ConfigurationKeys GatewayKeys = new ConfigurationKeys()
        .Section("Logging", null)
        .Section("AllowedHosts", typeof(string))
        .Section("Authentication", GatewayType("Gateway.Authentication.GatewayAuthenticationOptions"))
        .Section("Auditing", GatewayType("Gateway.Auditing.AuditOptions"))
        .Section("TenantIsolation", typeof(TenantIsolationOptions))
        .Section("TenantIsolation:Forwarding", GatewayType("Gateway.Configuration.ForwardingOptions"))
        .Section("TenantIsolation:Envelopes", typeof(Dictionary<,>).MakeGenericType(typeof(string), GatewayType("Gateway.Configuration.ClusterEnvelopeOptions")))
        .Section("ReverseProxy:Routes", typeof(Dictionary<string, RouteConfig>))
        .Section("ReverseProxy:Clusters", typeof(Dictionary<string, ClusterConfig>));

    private static readonly ConfigurationKeys BackendKeys = new ConfigurationKeys()
        .Section("Logging", null)
        .Section("Urls", typeof(string))
        .Section("TenantContext", typeof(TenantContextOptions))
        .Section("Applications", PodConfiguration.BackendAssembly.GetType("Applications.Api.ApplicationsOptions", throwOnError: true));

    /// <summary>Every <c>OTEL_*</c> variable name the OpenTelemetry SDK and its OTLP exporter read (their constants).</summary>
    private static readonly HashSet<string> OpenTelemetryVariables = typeof(OpenTelemetry.Sdk).Assembly.GetTypes()
        .Concat(typeof(OpenTelemetry.Exporter.OtlpExporterOptions).Assembly.GetTypes())
        .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .Where(v => v.StartsWith("OTEL_", StringComparison.Ordinal))
        .ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void Gateway_EveryConfigMapKeyAndEnvironmentVariable_BindsToAnOptionsProperty()
    {
        var keys = ConfigMapKeys().Concat(EnvironmentKeys(PodConfiguration.GatewayDeployment)).ToList();
        Assert.Contains("TenantIsolation:SharedCache:Redis", keys);
        Assert.Contains("ReverseProxy:Routes:api:Metadata:TenantIsolation", keys);
        Assert.Empty(keys.Select(GatewayKeys.Explain).OfType<string>());
    }

    [Theory]
    [InlineData("TenantIsolation:SharedCache:Rediss")]
    [InlineData("TenantIsolation:SharedCache:Sealing:ActiveKey")]
    [InlineData("TenantIsolation:Envelopes:applications:Current:Secret")]
    [InlineData("ReverseProxy:Routes:api:Metdata:TenantIsolation")]
    [InlineData("ReverseProxy:Clusters:applications:Destinations:d1:Adress")]
    [InlineData("TenantIsolation:CredentialScope:User")]
    [InlineData("Authentication:Authorty")]
    public void Gateway_MisspelledKey_IsReported(string key)
    {
        Assert.NotNull(GatewayKeys.Explain(key));
        var valid = key switch
        {
            "TenantIsolation:SharedCache:Rediss" => "TenantIsolation:SharedCache:Redis",
            "TenantIsolation:SharedCache:Sealing:ActiveKey" => "TenantIsolation:SharedCache:Sealing:ActiveKeyId",
            "TenantIsolation:Envelopes:applications:Current:Secret" => "TenantIsolation:Envelopes:applications:Current:Key",
            "ReverseProxy:Routes:api:Metdata:TenantIsolation" => "ReverseProxy:Routes:api:Metadata:TenantIsolation",
            "ReverseProxy:Clusters:applications:Destinations:d1:Adress" => "ReverseProxy:Clusters:applications:Destinations:d1:Address",
            "TenantIsolation:CredentialScope:User" => "TenantIsolation:CredentialScope",
            _ => "Authentication:Authority",
        };
        Assert.Null(GatewayKeys.Explain(valid));
    }

    [Fact]
    public void Gateway_NoKeyIsSetBothInTheConfigMapAndTheEnvironment()
    {
        var files = ConfigMapKeys().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var twice = EnvironmentKeys(PodConfiguration.GatewayDeployment).Where(files.Contains).ToList();
        Assert.True(twice.Count == 0, $"set in both places: {string.Join(", ", twice)}");
    }

    [Fact]
    public void Gateway_OpenTelemetryVariables_AreOnesTheSdkReads_AndTurnTracingOn()
    {
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", OpenTelemetryVariables);
        var otel = EnvironmentNames(PodConfiguration.GatewayDeployment).Where(n => n.StartsWith("OTEL_", StringComparison.Ordinal)).ToList();
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", otel);
        Assert.All(otel, name => Assert.Contains(name, OpenTelemetryVariables));
        Assert.DoesNotContain("OTEL_EXPORTER_OTLP_ENDPOIN", OpenTelemetryVariables);
    }

    [Fact]
    public async Task Gateway_WithGeneratedSecrets_PassesTheGatewaysStartupValidation()
    {
        await using var gateway = await PodConfiguration.BuildGatewayAsync(PodConfiguration.GeneratedSecrets);
        Assert.Empty(gateway.Failures);

        // What the example is about: fleet mode, user-scoped credentials, every route isolated.
        var options = gateway.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TenantIsolationOptions>>().Value;
        Assert.True(options.SharedCache.Enabled);
        Assert.Equal(CredentialScope.User, options.CredentialScope);
        var routes = gateway.Configuration.GetSection("ReverseProxy:Routes").GetChildren().ToList();
        Assert.NotEmpty(routes);
        Assert.All(routes, r => Assert.Equal("true", r["Metadata:TenantIsolation"]));
        Assert.Equal("json", gateway.Configuration["Logging:Console:FormatterName"]);
    }

    [Fact]
    public async Task Gateway_WithTheTemplatesPlaceholderSecrets_RefusesToStart()
    {
        await using var gateway = await PodConfiguration.BuildGatewayAsync(PodConfiguration.TemplateSecret);
        Assert.Contains(gateway.Failures, f => f.StartsWith("TenantIsolation:Envelopes:applications:Current:Key", StringComparison.Ordinal));
        Assert.Contains(gateway.Failures, f => f.StartsWith("TenantIsolation:SharedCache:Sealing:Keys:s1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Gateway_MapsTheProbeAndMetricsPaths_AndOneEndpointPerRoute()
    {
        // Mapping the proxy creates the gateway's AWS clients: static stand-in keys instead of the pod's IRSA identity, so
        // the SDK's credential chain (which would probe the EC2 metadata address) is never consulted here.
        await using var gateway = await PodConfiguration.BuildGatewayAsync(PodConfiguration.GeneratedSecrets, new Dictionary<string, string?>
        {
            ["TenantIsolation:Aws:AccessKeyId"] = "AKIAEXAMPLEDEPLOYTEST",
            ["TenantIsolation:Aws:SecretAccessKey"] = "deploy-tests-stand-in",
        });
        PodConfiguration.GatewayInternal("Gateway.Hosting.GatewayApplicationExtensions", "UseTenantGateway").Invoke(null, [gateway.App]);
        var patterns = PodConfiguration.RoutePatterns(gateway.App);

        var deployment = PodConfiguration.GatewayDeployment;
        var container = PodConfiguration.Container(deployment);
        var paths = new[] { container.LivenessProbe, container.ReadinessProbe, container.StartupProbe }.Select(p => p.HttpGet.Path)
            .Append(deployment.Spec.Template.Metadata.Annotations["prometheus.io/path"]).Distinct().ToList();
        Assert.Equal(["/healthz", "/metrics", "/readyz"], paths.Order(StringComparer.Ordinal));
        Assert.All(paths, path => Assert.Contains(path, patterns));
        foreach (var route in gateway.Configuration.GetSection("ReverseProxy:Routes").GetChildren())
        {
            Assert.Contains(route["Match:Path"], patterns);
        }
    }

    [Fact]
    public async Task Gateway_ClusterAddress_IsTheBackendServiceOnItsPort()
    {
        await using var gateway = await PodConfiguration.BuildGatewayAsync(PodConfiguration.GeneratedSecrets);
        var service = Manifests.Get<V1Service>(PodConfiguration.BackendNamespace, "applications-api");
        var destination = new Uri(Assert.Single(gateway.Configuration.GetSection("ReverseProxy:Clusters:applications:Destinations").GetChildren())["Address"]!);
        Assert.Equal($"{service.Name()}.{service.Namespace()}.svc.cluster.local", destination.Host);
        Assert.Equal(Assert.Single(service.Spec.Ports).Port, destination.Port);
    }

    [Fact]
    public void Backend_EveryEnvironmentVariable_BindsToAnOptionsProperty()
    {
        var keys = EnvironmentKeys(PodConfiguration.BackendDeployment).ToList();
        Assert.Contains("TenantContext:Keys:0:Key", keys);
        Assert.Empty(keys.Select(BackendKeys.Explain).OfType<string>());
        Assert.NotNull(BackendKeys.Explain("TenantContext:Key:0:Key"));
        Assert.NotNull(BackendKeys.Explain("TenantContext:Keys:first:Key"));
    }

    [Fact]
    public async Task Backend_TenantContext_MatchesTheGatewaysClusterIssuerAndKey()
    {
        await using var gateway = await PodConfiguration.BuildGatewayAsync(PodConfiguration.GeneratedSecrets);
        await using var backend = BuildBackend(PodConfiguration.GeneratedSecrets);
        Assert.Null(backend.Services.GetTenantContextConfigurationError());
        var context = backend.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TenantContextOptions>>().Value;

        var cluster = Assert.Single(gateway.Configuration.GetSection("ReverseProxy:Clusters").GetChildren());
        Assert.Equal(cluster.Key, context.Audience);
        var forwardingType = GatewayType("Gateway.Configuration.ForwardingOptions");
        var forwarding = gateway.App.Services.GetRequiredService(typeof(Microsoft.Extensions.Options.IOptions<>).MakeGenericType(forwardingType));
        var value = forwarding.GetType().GetProperty("Value")!.GetValue(forwarding);
        var issuer = (string?)forwardingType.GetProperty("EnvelopeIssuer")!.GetValue(value);
        Assert.Equal(issuer, context.Issuer);
        var key = Assert.Single(context.Keys);
        Assert.Equal(gateway.Configuration[$"TenantIsolation:Envelopes:{cluster.Key}:Current:KeyId"], key.KeyId);
        Assert.Equal(gateway.Configuration[$"TenantIsolation:Envelopes:{cluster.Key}:Current:Key"], key.Key);

        // The backend listens where its Service and probes point.
        var url = new Uri(backend.Configuration["urls"]!.Replace("+", "0.0.0.0", StringComparison.Ordinal));
        Assert.Equal(Assert.Single(PodConfiguration.Container(PodConfiguration.BackendDeployment).Ports).ContainerPort, url.Port);
        Assert.NotEqual("127.0.0.1", url.Host);
    }

    [Fact]
    public async Task Backend_WithTheTemplatesPlaceholderKey_RefusesToStart()
    {
        await using var backend = BuildBackend(PodConfiguration.TemplateSecret);
        Assert.Contains("TenantContext:Keys", backend.Services.GetTenantContextConfigurationError(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backend_MapsItsProbePath()
    {
        await using var backend = BuildBackend(PodConfiguration.GeneratedSecrets);
        PodConfiguration.BackendAssembly.GetType("Applications.Api.ApplicationEndpoints", throwOnError: true)!
            .GetMethod("MapApplicationEndpoints", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!.Invoke(null, [backend]);
        var patterns = PodConfiguration.RoutePatterns(backend);
        var container = PodConfiguration.Container(PodConfiguration.BackendDeployment);
        Assert.All(new[] { container.LivenessProbe, container.ReadinessProbe }, p => Assert.Contains(p.HttpGet.Path, patterns));
    }

    /// <summary>
    /// docs/deploy.md "Sizing": the caches at their configured limits, at the per-entry sizes measured by
    /// tools/SessionMemory with 1,000-character session tokens (docs/loadtests.md), plus the runtime's own share, fit the
    /// memory limit with the GC's default 75 % heap limit. Raising a cache limit in the ConfigMap without the memory limit fails here.
    /// </summary>
    [Fact]
    public void Sizing_CacheLimitsAtMeasuredEntrySizes_FitTheMemoryLimit()
    {
        const long credentialSetBytes = 120 + 2_493 + 5_522; // ids + credentials + envelope per credential set
        const long membershipBytes = 269;
        const long runtimeBytes = 256L * 1024 * 1024; // process baseline, Kestrel/YARP buffers, token cache, headroom
        var settings = (JsonObject)JsonNode.Parse(ConfigMapFile("appsettings.json"))!;
        var credentialSets = (long)settings["TenantIsolation"]!["Cache"]!["SizeLimit"]!;
        var memberships = (long)settings["TenantIsolation"]!["Membership"]!["CacheSizeLimit"]!;
        var limit = PodConfiguration.Container(PodConfiguration.GatewayDeployment).Resources.Limits["memory"].ToInt64();
        var needed = (credentialSets * credentialSetBytes) + (memberships * membershipBytes) + runtimeBytes;
        Assert.True(needed <= limit * 3 / 4, $"caches + runtime need {needed / 1048576} MiB, 75 % of the limit is {limit * 3 / 4 / 1048576} MiB");
        Assert.True(PodConfiguration.Container(PodConfiguration.GatewayDeployment).Resources.Requests["memory"].ToInt64() >= runtimeBytes);
    }

    private static WebApplication BuildBackend(Func<V1Secret, string, string> secrets)
    {
        // The sample's own appsettings.json (in its image), then the pod's environment; not Local, so no development key.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = Repo.PathOf("samples/Applications.Api"), EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(PodConfiguration.Environment(PodConfiguration.BackendDeployment, secrets)
            .Select(kv => KeyValuePair.Create(ConfigurationKeys.ToKey(kv.Key), (string?)kv.Value)));
        builder.Services.AddTenantContext();
        return builder.Build();
    }

    private static Type GatewayType(string name) => PodConfiguration.GatewayAssembly.GetType(name, throwOnError: true)!;

    private static string ConfigMapFile(string key) => Manifests.Get<V1ConfigMap>(PodConfiguration.GatewayNamespace, "tenant-gateway-config").Data[key];

    /// <summary>Every leaf key of the ConfigMap's JSON files, as the JSON configuration provider flattens them.</summary>
    private static IEnumerable<string> ConfigMapKeys()
    {
        foreach (var file in PodConfiguration.MountedFiles(PodConfiguration.GatewayDeployment).Values)
        {
            using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(file));
            foreach (var (key, _) in new ConfigurationBuilder().AddJsonStream(stream).Build().AsEnumerable().Where(kv => kv.Value is not null))
            {
                yield return key;
            }
        }
    }

    private static IEnumerable<string> EnvironmentNames(V1Deployment deployment) => (PodConfiguration.Container(deployment).Env ?? []).Select(e => e.Name);

    /// <summary>Configuration keys set by the container's env: OTEL_* (read by the SDK, checked separately) and variables
    /// that only feed another's $(VAR) expansion are not configuration keys.</summary>
    private static IEnumerable<string> EnvironmentKeys(V1Deployment deployment)
    {
        var env = PodConfiguration.Container(deployment).Env ?? [];
        var expanded = env.SelectMany(e => PodConfiguration.Reference().Matches(e.Value ?? string.Empty).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
        return env.Select(e => e.Name)
            .Where(n => !n.StartsWith("OTEL_", StringComparison.Ordinal) && !(expanded.Contains(n) && env.Single(e => e.Name == n).ValueFrom?.FieldRef is not null))
            .Select(ConfigurationKeys.ToKey);
    }
}
