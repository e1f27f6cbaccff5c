using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;

namespace Deploy.Tests;

/// <summary>
/// The gateway Deployment's shutdown budget is consistent with the gateway's shutdown settings as docs/deploy.md documents
/// them: a preStop sleep of at least <c>Shutdown:DrainDelay</c>, and a termination grace period that covers the preStop
/// sleep, the drain delay and <c>Shutdown:Timeout</c> (the kubelet sends SIGKILL when the grace period ends, counted from
/// the start of preStop). Values set in the ConfigMap or the environment win over the documented defaults.
/// </summary>
public class KubernetesShutdownTests
{
    /// <summary>The documented defaults (docs/deploy.md, "Shutdown and rolling updates").</summary>
    private static readonly TimeSpan DefaultDrainDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(25);

    [Fact]
    public void GatewayDeployment_PreStopSleepsAtLeastTheDrainDelay()
    {
        var (drainDelay, _) = ShutdownSettings(PodConfiguration.GatewayDeployment);

        var preStop = PreStopSleep(PodConfiguration.GatewayDeployment);

        Assert.True(preStop >= drainDelay, $"preStop sleeps {preStop}, less than Shutdown:DrainDelay {drainDelay}");
    }

    [Fact]
    public void GatewayDeployment_GracePeriodCoversPreStopDrainDelayAndShutdownTimeout()
    {
        var deployment = PodConfiguration.GatewayDeployment;
        var (drainDelay, timeout) = ShutdownSettings(deployment);
        var grace = TimeSpan.FromSeconds(deployment.Spec.Template.Spec.TerminationGracePeriodSeconds
            ?? throw new InvalidOperationException("terminationGracePeriodSeconds is not set (Kubernetes' default 30 s is implicit)"));

        var needed = PreStopSleep(deployment) + drainDelay + timeout;

        Assert.True(grace >= needed, $"terminationGracePeriodSeconds {grace.TotalSeconds} < preStop + Shutdown:DrainDelay + Shutdown:Timeout = {needed.TotalSeconds}");
    }

    [Fact]
    public void DeployDoc_NamesTheShutdownSettingsWithTheDefaultsTheTestsUse()
    {
        var doc = Repo.Read("docs/deploy.md");

        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"| `Shutdown:DrainDelay` | {DefaultDrainDelay.TotalSeconds} s |"), doc, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"| `Shutdown:Timeout` | {DefaultTimeout.TotalSeconds} s |"), doc, StringComparison.Ordinal);
    }

    [Fact]
    public void GatewayShutdownOptions_DefaultsAreTheDocumentedOnes()
    {
        // The defaults this test assumes when the pod sets nothing are the ones the gateway binds.
        var type = PodConfiguration.GatewayAssembly.GetType("Gateway.Hosting.ShutdownOptions", throwOnError: true)!;
        var defaults = Activator.CreateInstance(type)!;

        Assert.Equal(DefaultDrainDelay, (TimeSpan)type.GetProperty("DrainDelay")!.GetValue(defaults)!);
        Assert.Equal(DefaultTimeout, (TimeSpan)type.GetProperty("Timeout")!.GetValue(defaults)!);
    }

    [Fact]
    public void PreStopSleep_ReadsBothForms_AndRefusesAMissingHook()
    {
        static V1Deployment With(V1Lifecycle? lifecycle) => new()
        {
            Metadata = new V1ObjectMeta { Name = "probe" },
            Spec = new V1DeploymentSpec { Template = new V1PodTemplateSpec { Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Lifecycle = lifecycle }] } } },
        };

        Assert.Equal(TimeSpan.FromSeconds(7), PreStopSleep(With(new V1Lifecycle { PreStop = new V1LifecycleHandler { Sleep = new V1SleepAction { Seconds = 7 } } })));
        Assert.Equal(TimeSpan.FromSeconds(9), PreStopSleep(With(new V1Lifecycle { PreStop = new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["sleep", "9"] } } })));
        Assert.ThrowsAny<Exception>(() => PreStopSleep(With(null)));
    }

    private static TimeSpan PreStopSleep(V1Deployment deployment)
    {
        var preStop = PodConfiguration.Container(deployment).Lifecycle?.PreStop
            ?? throw new InvalidOperationException($"{deployment.Name()}: no preStop hook");
        if (preStop.Sleep is { } sleep)
        {
            return TimeSpan.FromSeconds(sleep.Seconds);
        }

        var command = preStop.Exec?.Command ?? throw new InvalidOperationException($"{deployment.Name()}: preStop is neither sleep nor exec");
        Assert.Equal(2, command.Count);
        Assert.Equal("sleep", command[0]);
        return TimeSpan.FromSeconds(int.Parse(command[1], NumberStyles.None, CultureInfo.InvariantCulture));
    }

    /// <summary>Shutdown:DrainDelay and Shutdown:Timeout as the pod would configure them: environment, then the mounted files, then the defaults.</summary>
    private static (TimeSpan DrainDelay, TimeSpan Timeout) ShutdownSettings(V1Deployment deployment)
    {
        var environment = PodConfiguration.Environment(deployment, PodConfiguration.GeneratedSecrets)
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);
        var files = PodConfiguration.MountedFiles(deployment).Values.Select(text => JsonNode.Parse(text)?["Shutdown"]).ToList();

        TimeSpan Setting(string name, TimeSpan fallback)
        {
            if (environment.TryGetValue($"Shutdown__{name}", out var fromEnvironment))
            {
                return TimeSpan.Parse(fromEnvironment, CultureInfo.InvariantCulture);
            }

            // appsettings.Production.json is mounted after appsettings.json: the last file that sets the key wins.
            var fromFile = files.Select(section => section?[name]?.GetValue<string>()).LastOrDefault(v => v is not null);
            return fromFile is null ? fallback : TimeSpan.Parse(fromFile, CultureInfo.InvariantCulture);
        }

        return (Setting("DrainDelay", DefaultDrainDelay), Setting("Timeout", DefaultTimeout));
    }
}
