using System.Globalization;

namespace Gateway.Testing;

/// <summary>
/// The environment overrides that wire the local topology together (sample API → LocalAws; gateway → LocalAws and the
/// sample API). This is the one list: <see cref="GatewayTopology"/> applies it to every process it starts, and
/// <c>run.sh</c> (bash, which cannot call this) spells the same overrides, checked by
/// <c>tests/RunScript.Tests/RunScriptEnvironmentTests</c>, which fails when a key or a value differs.
/// </summary>
public static class TopologyEnvironment
{
    /// <summary>The ASP.NET Core environment of the sample API and the gateway (loads their <c>appsettings.Local.json</c>).</summary>
    public const string EnvironmentName = "Local";

    /// <summary>The cluster of the shipped configuration that routes to the sample Applications API.</summary>
    public const string ApplicationsCluster = "applications";

    /// <summary>Overrides for the sample Applications API: its DynamoDB client talks to LocalAws.</summary>
    public static IReadOnlyDictionary<string, string> SampleApi(Uri localAws)
    {
        ArgumentNullException.ThrowIfNull(localAws);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = EnvironmentName,
            ["TenantContext__DynamoDb__ServiceUrl"] = Origin(localAws),
        };
    }

    /// <summary>Overrides for the gateway: LocalAws is the token authority, STS, DynamoDB and SSM; the applications cluster is <paramref name="applications"/>.</summary>
    public static IReadOnlyDictionary<string, string> Gateway(Uri localAws, Uri applications)
    {
        ArgumentNullException.ThrowIfNull(localAws);
        ArgumentNullException.ThrowIfNull(applications);
        var aws = Origin(localAws);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = EnvironmentName,
            ["TenantIsolation__Aws__StsServiceUrl"] = aws,
            ["TenantIsolation__Aws__DynamoDbServiceUrl"] = aws,
            ["TenantIsolation__Aws__SsmServiceUrl"] = aws,
            ["Authentication__Authority"] = aws,
            [ClusterDestination(ApplicationsCluster)] = Origin(applications) + "/",
        };
    }

    /// <summary>The variable that sets the (single) destination of a gateway cluster: <c>ReverseProxy__Clusters__{cluster}__Destinations__d1__Address</c>.</summary>
    public static string ClusterDestination(string cluster) =>
        string.Create(CultureInfo.InvariantCulture, $"ReverseProxy__Clusters__{cluster}__Destinations__d1__Address");

    /// <summary><c>http://127.0.0.1:PORT</c> (scheme, host and port; no trailing slash), as run.sh writes URLs.</summary>
    public static string Origin(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.GetLeftPart(UriPartial.Authority);
    }
}
