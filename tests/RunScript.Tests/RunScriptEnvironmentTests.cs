using Gateway.Testing;

namespace RunScript.Tests;

/// <summary>
/// run.sh cannot call C#, so it spells the topology's environment overrides itself: these tests fail when its list and
/// <see cref="TopologyEnvironment"/> (what every end-to-end fixture and the load tests use) differ in a key or a value.
/// </summary>
public sealed class RunScriptEnvironmentTests
{
    // run.sh's defaults: LOCALAWS_URL=http://127.0.0.1:4566, BACKEND_URL=http://127.0.0.1:5100.
    private static readonly Uri LocalAws = new("http://127.0.0.1:4566/");
    private static readonly Uri Backend = new("http://127.0.0.1:5100/");

    private static readonly Dictionary<string, string> Variables = new(StringComparer.Ordinal)
    {
        ["LOCALAWS_URL"] = TopologyEnvironment.Origin(LocalAws),
        ["BACKEND_URL"] = TopologyEnvironment.Origin(Backend),
    };

    /// <summary>run.sh starts every gateway instance (one, or N behind the front door) in <c>start_gateway</c> as <c>start "$1" …</c>.</summary>
    private const string GatewayProcess = "\"$1\"";

    private static string Script => File.ReadAllText(RepoPaths.Combine("run.sh"));

    [Fact]
    public void SampleApiOverrides_RunSh_EqualTopologyEnvironment()
    {
        var fromScript = RunScriptEnvironment.Overrides(Script, "backend", Variables);

        Assert.Equal(Lines(TopologyEnvironment.SampleApi(LocalAws)), Lines(fromScript));
    }

    [Fact]
    public void GatewayOverrides_RunSh_EqualTopologyEnvironment()
    {
        var fromScript = RunScriptEnvironment.Overrides(Script, GatewayProcess, Variables);

        Assert.Equal(Lines(TopologyEnvironment.Gateway(LocalAws, Backend)), Lines(fromScript));
    }

    [Fact]
    public void GatewayOverrides_ScriptWithAnExtraOverride_DifferFromTopologyEnvironment()
    {
        var drifted = Script.Replace("    start \"$1\" ", "  TenantIsolation__Extra=1 \\\n    start \"$1\" ", StringComparison.Ordinal);

        var fromScript = RunScriptEnvironment.Overrides(drifted, GatewayProcess, Variables);

        Assert.Equal("1", fromScript["TenantIsolation__Extra"]);
        Assert.NotEqual(Lines(TopologyEnvironment.Gateway(LocalAws, Backend)), Lines(fromScript));
    }

    [Fact]
    public void GatewayOverrides_ScriptWithAnotherDestination_DifferFromTopologyEnvironment()
    {
        var drifted = Script.Replace("\"$BACKEND_URL/\"", "\"$BACKEND_URL/v2/\"", StringComparison.Ordinal);

        var fromScript = RunScriptEnvironment.Overrides(drifted, GatewayProcess, Variables);

        Assert.NotEqual(Lines(TopologyEnvironment.Gateway(LocalAws, Backend)), Lines(fromScript));
    }

    private static string[] Lines(IReadOnlyDictionary<string, string> environment) =>
        [.. environment.Select(p => p.Key + "=" + p.Value).Order(StringComparer.Ordinal)];
}
