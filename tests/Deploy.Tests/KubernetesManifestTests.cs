using k8s;
using k8s.Models;

namespace Deploy.Tests;

/// <summary>
/// deploy/kubernetes cross-checked as a whole: every object parses strictly against the Kubernetes models, and the
/// names, labels, ports, Secrets and ConfigMaps the objects refer to exist and agree. No cluster is involved.
/// </summary>
public class KubernetesManifestTests
{
    private const string GatewayNamespace = PodConfiguration.GatewayNamespace;
    private const string BackendNamespace = PodConfiguration.BackendNamespace;

    [Fact]
    public void Manifests_ParseStrictly_InDeclaredNamespaces_WithUniqueNames()
    {
        Assert.NotEmpty(Manifests.All);
        var namespaces = Manifests.OfType<V1Namespace>().Select(n => n.Name()).ToHashSet(StringComparer.Ordinal);
        Assert.Equal([BackendNamespace, GatewayNamespace], namespaces.Order(StringComparer.Ordinal));
        foreach (var manifest in Manifests.All.Where(m => m.Object is not V1Namespace))
        {
            Assert.True(namespaces.Contains(manifest.Namespace), $"{manifest.Path}: {manifest.Kind} {manifest.Name} in undeclared namespace '{manifest.Namespace}'");
        }

        var duplicates = Manifests.All.GroupBy(m => (m.Kind, m.Namespace, m.Name)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(duplicates);
    }

    [Fact]
    public void StrictParsing_MisspelledField_IsRefused()
    {
        var deployment = Repo.Read("deploy/kubernetes/deployment.yaml");
        Assert.Single(Manifests.Parse(deployment));
        var misspelled = deployment.Replace("containerPort: 8080", "containerPrt: 8080", StringComparison.Ordinal);
        Assert.NotEqual(deployment, misspelled);
        Assert.ThrowsAny<Exception>(() => Manifests.Parse(misspelled));
    }

    [Theory]
    [InlineData("deploy/kubernetes")]
    [InlineData("deploy/kubernetes/backend-example")]
    public void Kustomization_ListsEveryManifestOfItsDirectory_ButNoSecret(string directory)
    {
        var listed = Manifests.KustomizationResources($"{directory}/{Manifests.KustomizationFile}").Order(StringComparer.Ordinal).ToList();
        var files = Manifests.YamlFiles(directory, SearchOption.TopDirectoryOnly).Select(f => Path.GetFileName(f)).Where(f => f != Manifests.KustomizationFile).ToList();
        Assert.Equal(files, listed);
        // Re-applying must never overwrite real keys with the templates' placeholders.
        Assert.DoesNotContain(Manifests.All, m => m.Object is V1Secret && listed.Contains(Path.GetFileName(m.Path)) && Path.GetDirectoryName(m.Path)!.Replace('\\', '/') == directory);
        Assert.All(Manifests.OfType<V1Secret>(), s => Assert.StartsWith("deploy/kubernetes/secrets/", Assert.Single(Manifests.All, m => ReferenceEquals(m.Object, s)).Path, StringComparison.Ordinal));
    }

    [Fact]
    public void Services_SelectTheirDeploymentsPods_AndTargetAContainerPort()
    {
        var services = Manifests.OfType<V1Service>().ToList();
        Assert.Equal(2, services.Count);
        foreach (var service in services)
        {
            var deployment = Assert.Single(Manifests.OfType<V1Deployment>(), d => d.Namespace() == service.Namespace() && Manifests.Matches(new V1LabelSelector { MatchLabels = service.Spec.Selector }, d.Spec.Template.Metadata.Labels));
            Assert.True(Manifests.Matches(deployment.Spec.Selector, deployment.Spec.Template.Metadata.Labels), $"{deployment.Name()}: selector does not match its pod labels");
            var port = Assert.Single(service.Spec.Ports);
            Assert.NotNull(Manifests.Resolve(port.TargetPort, PodConfiguration.Container(deployment)));
        }
    }

    [Fact]
    public void Probes_TargetTheContainerPort()
    {
        foreach (var deployment in Manifests.OfType<V1Deployment>())
        {
            var container = PodConfiguration.Container(deployment);
            foreach (var probe in new[] { container.LivenessProbe, container.ReadinessProbe, container.StartupProbe }.OfType<V1Probe>())
            {
                Assert.NotNull(Manifests.Resolve(probe.HttpGet.Port, container));
                Assert.StartsWith("/", probe.HttpGet.Path, StringComparison.Ordinal);
            }

            Assert.NotNull(container.LivenessProbe);
            Assert.NotNull(container.ReadinessProbe);
        }
    }

    [Fact]
    public void EnvAndVolumes_ReferToSecretsAndConfigMapKeysThatExist_InTheirNamespace()
    {
        var checkedReferences = 0;
        foreach (var deployment in Manifests.OfType<V1Deployment>())
        {
            var @namespace = deployment.Namespace();
            var container = PodConfiguration.Container(deployment);
            var defined = new HashSet<string>(StringComparer.Ordinal);
            foreach (var variable in container.Env ?? [])
            {
                Assert.True(defined.Add(variable.Name), $"{deployment.Name()}: env {variable.Name} twice");
                if (variable.ValueFrom?.SecretKeyRef is { } secretRef)
                {
                    var secret = Assert.Single(Manifests.OfType<V1Secret>(), s => s.Namespace() == @namespace && s.Name() == secretRef.Name);
                    Assert.True(Manifests.HasKey(secret, secretRef.Key), $"{deployment.Name()}: env {variable.Name} → Secret {secretRef.Name} has no key {secretRef.Key}");
                    Assert.NotEqual(true, secretRef.Optional);
                    checkedReferences++;
                }
                else if (variable.ValueFrom?.ConfigMapKeyRef is { } mapRef)
                {
                    Assert.Contains(mapRef.Key, Manifests.Get<V1ConfigMap>(@namespace, mapRef.Name).Data.Keys);
                    checkedReferences++;
                }

                // $(VAR) expands only variables defined earlier in the list; anything else stays literal.
                foreach (var reference in PodConfiguration.Reference().Matches(variable.Value ?? string.Empty).Select(m => m.Groups[1].Value))
                {
                    Assert.True(defined.Contains(reference) && reference != variable.Name, $"{deployment.Name()}: env {variable.Name} uses $({reference}) before it is defined");
                }
            }

            var volumes = deployment.Spec.Template.Spec.Volumes ?? [];
            foreach (var mount in container.VolumeMounts ?? [])
            {
                var volume = Assert.Single(volumes, v => v.Name == mount.Name);
                if (volume.ConfigMap is { } map)
                {
                    var data = Manifests.Get<V1ConfigMap>(@namespace, map.Name).Data;
                    Assert.True(mount.SubPath is null || data.ContainsKey(mount.SubPath), $"{deployment.Name()}: mount {mount.MountPath} → ConfigMap {map.Name} has no key {mount.SubPath}");
                    checkedReferences++;
                }

                Assert.Null(volume.Secret); // secrets reach the examples as env only
            }
        }

        Assert.True(checkedReferences >= 8, $"only {checkedReferences} references checked");
    }

    [Fact]
    public void Gateway_ConfigMapShadowsBothConfigurationFilesOfTheImage()
    {
        var (workdir, environment) = PodConfiguration.Image();
        var copied = ContainerTests.Instructions.Where(i => i[0] == "COPY" && !i.Any(a => a.StartsWith("--from=", StringComparison.Ordinal)))
            .SelectMany(i => i.Skip(1).SkipLast(1)).Where(s => s.StartsWith("appsettings", StringComparison.Ordinal)).ToList();
        var environmentName = PodConfiguration.Environment(PodConfiguration.GatewayDeployment, PodConfiguration.GeneratedSecrets)
            .LastOrDefault(kv => kv.Key == "ASPNETCORE_ENVIRONMENT").Value ?? environment["ASPNETCORE_ENVIRONMENT"];
        Assert.Contains($"appsettings.{environmentName}.json", copied);
        var mounted = PodConfiguration.MountedFiles(PodConfiguration.GatewayDeployment).Keys.ToList();
        Assert.Equal(copied.Select(f => $"{workdir}/{f}").Order(StringComparer.Ordinal), mounted.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Hpa_ScalesTheGatewayDeployment_WhichLeavesTheReplicaCountToIt()
    {
        var hpa = Assert.Single(Manifests.OfType<V2HorizontalPodAutoscaler>());
        var deployment = PodConfiguration.GatewayDeployment;
        Assert.Equal(deployment.Namespace(), hpa.Namespace());
        Assert.Equal(("apps/v1", "Deployment", deployment.Name()), (hpa.Spec.ScaleTargetRef.ApiVersion, hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name));
        Assert.Null(deployment.Spec.Replicas);
        Assert.True(hpa.Spec.MinReplicas >= 2 && hpa.Spec.MaxReplicas >= hpa.Spec.MinReplicas);
        var cpu = Assert.Single(hpa.Spec.Metrics).Resource;
        Assert.Equal("cpu", cpu.Name);
        // Utilization is a percentage of the request: there must be one.
        Assert.True(PodConfiguration.Container(deployment).Resources.Requests.ContainsKey("cpu"));
    }

    [Fact]
    public void Pdb_SelectsTheGatewayPods_AndLeavesPodsServingAtTheHpaMinimum()
    {
        var pdb = Assert.Single(Manifests.OfType<V1PodDisruptionBudget>());
        var deployment = PodConfiguration.GatewayDeployment;
        Assert.Equal(deployment.Namespace(), pdb.Namespace());
        Assert.True(Manifests.Matches(pdb.Spec.Selector, deployment.Spec.Template.Metadata.Labels));
        var minReplicas = Assert.Single(Manifests.OfType<V2HorizontalPodAutoscaler>()).Spec.MinReplicas!.Value;
        var maxUnavailable = int.Parse(pdb.Spec.MaxUnavailable.Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(maxUnavailable, 1, minReplicas - 2); // drains can proceed, and at least two pods keep serving
    }

    [Fact]
    public void FleetSize_WhileRedisIsAway_IsTheHpaMinimum()
    {
        // Each replica enforces limit / ExpectedInstances while Redis is away: the HPA's minimum keeps a fleet at its
        // minimum at the limits, and a scaled-out fleet above them (never below: refusing everyone is not a fallback).
        var container = Assert.Single(PodConfiguration.GatewayDeployment.Spec.Template.Spec.Containers);
        var expected = Assert.Single(container.Env, e => e.Name == "TenantIsolation__RateLimits__ExpectedInstances").Value;
        var minReplicas = Assert.Single(Manifests.OfType<V2HorizontalPodAutoscaler>()).Spec.MinReplicas!.Value;
        Assert.Equal(minReplicas, int.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void TopologySpread_SelectsTheGatewayPods_AcrossZonesAndNodes()
    {
        var pod = PodConfiguration.GatewayDeployment.Spec.Template;
        var constraints = pod.Spec.TopologySpreadConstraints;
        Assert.Equal(["kubernetes.io/hostname", "topology.kubernetes.io/zone"], constraints.Select(c => c.TopologyKey).Order(StringComparer.Ordinal));
        Assert.All(constraints, c => Assert.True(Manifests.Matches(c.LabelSelector, pod.Metadata.Labels)));
    }

    [Fact]
    public void PrometheusAnnotations_PointAtTheContainerPort()
    {
        var deployment = PodConfiguration.GatewayDeployment;
        var annotations = deployment.Spec.Template.Metadata.Annotations;
        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);
        Assert.Equal(Assert.Single(PodConfiguration.Container(deployment).Ports).ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations["prometheus.io/port"]);
    }

    [Fact]
    public void NetworkPolicy_BackendAdmitsOnlyTheGatewaysPods_OnItsHttpPort()
    {
        var policies = Manifests.OfType<V1NetworkPolicy>().ToList();
        var backend = PodConfiguration.BackendDeployment;
        var backendContainer = PodConfiguration.Container(backend);
        var backendPort = Assert.Single(backendContainer.Ports).ContainerPort;
        var target = new Pod(BackendNamespace, backend.Spec.Template.Metadata.Labels, Manifests.NamespaceLabels(BackendNamespace));
        var gatewayLabels = PodConfiguration.GatewayDeployment.Spec.Template.Metadata.Labels;
        var gateway = new Pod(GatewayNamespace, gatewayLabels, Manifests.NamespaceLabels(GatewayNamespace));

        Assert.True(NetworkPolicyModel.Admits(policies, target, gateway, backendContainer, backendPort));
        Assert.False(NetworkPolicyModel.Admits(policies, target, gateway, backendContainer, backendPort + 1));
        var impostorNamespace = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "default" };
        Assert.False(NetworkPolicyModel.Admits(policies, target, new Pod("default", gatewayLabels, impostorNamespace), backendContainer, backendPort));
        var neighbour = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "something-else" };
        Assert.False(NetworkPolicyModel.Admits(policies, target, new Pod(BackendNamespace, neighbour, Manifests.NamespaceLabels(BackendNamespace)), backendContainer, backendPort));
        Assert.False(NetworkPolicyModel.Admits(policies, target, new Pod(GatewayNamespace, neighbour, Manifests.NamespaceLabels(GatewayNamespace)), backendContainer, backendPort));
    }

    [Fact]
    public void NetworkPolicy_GatewayAcceptsClientsOnlyOnItsHttpPort()
    {
        var policies = Manifests.OfType<V1NetworkPolicy>().ToList();
        var deployment = PodConfiguration.GatewayDeployment;
        var container = PodConfiguration.Container(deployment);
        var port = Assert.Single(container.Ports).ContainerPort;
        var target = new Pod(GatewayNamespace, deployment.Spec.Template.Metadata.Labels, Manifests.NamespaceLabels(GatewayNamespace));
        var client = new Pod("ingress", new Dictionary<string, string> { ["app"] = "load-balancer" }, new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "ingress" });
        Assert.True(NetworkPolicyModel.Admits(policies, target, client, container, port));
        Assert.False(NetworkPolicyModel.Admits(policies, target, client, container, 9090));
    }
}
