namespace LoadTests.Scenarios;

/// <summary>Maps a CLI scenario name to the scenarios to run (<c>all</c> = every single-instance one; scale before sts-outage so
/// the outage's fresh organizations come after the scale set). <c>scale-out</c> starts its own fleet (Redis + three
/// gateways) and runs only when named; so do <c>cold</c> (it consumes fresh organizations), <c>rolling-restart</c> (its own
/// fleet behind tools/FrontDoor), <c>dependency-faults</c> (it restarts and freezes LocalAws) and <c>noisy-neighbour</c>
/// (its gateway runs with rate limits, <c>CredentialScope=User</c> and a small AssumeRole budget) and <c>hot-tenant</c>
/// (its LocalAws runs with a scaled-down per-key budget, and it reshards an organization).</summary>
internal static class ScenarioCatalog
{
    public static IReadOnlyList<ILoadScenario> Resolve(string name)
    {
        ILoadScenario[] all = [new OverheadScenario(), new ThroughputScenario(), new IsolationScenario(), new ScaleScenario(), new StsOutageScenario()];
        if (name == "scale-out")
        {
            return [new ScaleOutScenario()];
        }

        if (name == "cold")
        {
            return [new ColdScenario()];
        }

        if (name == RollingRestartScenario.ScenarioName)
        {
            return [new RollingRestartScenario()];
        }

        if (name == DependencyFaultsScenario.ScenarioName)
        {
            return [new DependencyFaultsScenario()];
        }

        if (name == HotTenantScenario.ScenarioName)
        {
            return [new HotTenantScenario()];
        }

        if (name == NoisyNeighbourScenario.ScenarioName)
        {
            return [new NoisyNeighbourScenario()];
        }

        return name == "all" ? all : [all.Single(s => s.Name == name)];
    }
}
