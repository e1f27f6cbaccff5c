using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Testing;
using YamlDotNet.RepresentationModel;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// deploy/observability/: the Grafana dashboard and the Prometheus alert rules parse, and every metric their queries
/// reference is exported by a running gateway's <c>/metrics</c> (after one request, one STS failure with retries and
/// one denial, so event-driven series such as Polly's exist).
/// </summary>
[Collection(ObservabilityTests.Name)]
public sealed partial class DashboardAndAlertsTests(ObservabilityFixture fixture)
{
    public static readonly string DashboardPath = RepoPaths.Combine("deploy", "observability", "grafana-dashboard.json");
    public static readonly string AlertsPath = RepoPaths.Combine("deploy", "observability", "prometheus-alerts.yaml");

    /// <summary>PromQL words that are not metric names.</summary>
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan",
    };

    [Fact]
    public async Task DashboardAndAlertRules_EveryReferencedMetric_IsExportedByTheGateway()
    {
        await ProduceEveryKindOfSeriesAsync();
        var exported = await ExportedSeriesAsync();

        var dashboard = DashboardQueries();
        var alerts = AlertQueries();
        Assert.NotEmpty(dashboard);
        Assert.NotEmpty(alerts);

        var missing = dashboard.Concat(alerts)
            .SelectMany(q => MetricNames(q.Expr).Select(m => (q.Where, Metric: m)))
            .Where(r => !exported.Contains(r.Metric))
            .Select(r => $"{r.Where}: {r.Metric}")
            .Distinct()
            .ToList();
        Assert.True(missing.Count == 0, $"Not exported by the gateway:\n{string.Join("\n", missing)}\n\nExported:\n{string.Join("\n", exported.Order())}");
    }

    [Fact]
    public void AlertRules_CoverTheDocumentedConditions()
    {
        var names = AlertQueries().Select(q => q.Where).ToList();

        foreach (var alert in new[] { "TenantGatewayStsFailureRatioHigh", "TenantGatewayStsCircuitOpen", "TenantGatewayVerificationFailed", "TenantGatewayDenialSpike", "TenantGateway5xxRateHigh", "TenantGatewayCredentialsRejected", "TenantGatewayCredentialsRejectedPersisting", "TenantGatewayBackendFailuresHigh", "TenantGatewayOrganizationRateLimited", "TenantGatewayRateLimitFallback" })
        {
            Assert.Contains($"alert {alert}", names);
        }
    }

    [Fact]
    public void MetricNames_PromQl_NamesOnlyNotFunctionsLabelsOrKeywords()
    {
        var names = MetricNames("sum by (organization) (increase(gateway_tenant_denials_total{code!=\"ok\"}[5m])) / ignoring(code) (rate(x_total[1m]) > 0.5) and on() vector(1)");

        Assert.Equal(["gateway_tenant_denials_total", "x_total"], names);
    }

    internal static List<(string Where, string Expr)> DashboardQueries()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(DashboardPath));
        var queries = new List<(string, string)>();
        foreach (var panel in document.RootElement.GetProperty("panels").EnumerateArray())
        {
            if (!panel.TryGetProperty("targets", out var targets))
            {
                continue;
            }

            foreach (var target in targets.EnumerateArray())
            {
                queries.Add(($"panel {panel.GetProperty("title").GetString()}", target.GetProperty("expr").GetString()!));
            }
        }

        return queries;
    }

    internal static List<(string Where, string Expr)> AlertQueries()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(AlertsPath))
        {
            yaml.Load(reader);
        }

        var queries = new List<(string, string)>();
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        foreach (YamlMappingNode group in (YamlSequenceNode)root.Children[new YamlScalarNode("groups")])
        {
            foreach (YamlMappingNode rule in (YamlSequenceNode)group.Children[new YamlScalarNode("rules")])
            {
                var name = rule.Children.TryGetValue(new YamlScalarNode("alert"), out var alert) ? $"alert {alert}" : $"record {rule.Children[new YamlScalarNode("record")]}";
                queries.Add((name, ((YamlScalarNode)rule.Children[new YamlScalarNode("expr")]).Value!));
            }
        }

        return queries;
    }

    /// <summary>The metric names a PromQL expression selects: label matchers, strings, durations, grouping clauses, functions and keywords removed.</summary>
    internal static List<string> MetricNames(string expr)
    {
        var text = Strings().Replace(expr, "\"\"");
        text = Braces().Replace(text, " ");
        text = Ranges().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        return Identifiers().Matches(text)
            .Where(m => !Keywords.Contains(m.Groups[1].Value) && !m.Groups[2].Success)
            .Select(m => m.Groups[1].Value)
            .Distinct()
            .ToList();
    }

    private async Task ProduceEveryKindOfSeriesAsync()
    {
        // STS throttled: the gateway retries (Polly events), fails closed with 503; then the allow twin succeeds.
        await fixture.Topology.Aws.SetStsFaultAsync("throttle");
        try
        {
            using var throttled = await fixture.GetApplicationsAsync(ObservabilityFixture.MeteredUser, ObservabilityFixture.MeteredOrganization);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, throttled.StatusCode);
        }
        finally
        {
            await fixture.Topology.Aws.ClearFaultsAsync();
        }

        for (var i = 0; i < 2; i++)
        {
            // a miss, then a cache hit
            using var allowed = await fixture.GetApplicationsAsync(ObservabilityFixture.MeteredUser, ObservabilityFixture.MeteredOrganization);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var denied = await fixture.GetApplicationsAsync(ObservabilityFixture.MeteredUser, "acme");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }

    /// <summary>Every sample name on <c>/metrics</c> (histograms as their <c>_bucket</c>, <c>_sum</c>, <c>_count</c> series).</summary>
    private async Task<HashSet<string>> ExportedSeriesAsync()
    {
        var text = await fixture.Client.GetStringAsync("/metrics");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var end = line.IndexOfAny(['{', ' ']);
            names.Add(end < 0 ? line : line[..end]);
        }

        return names;
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex Strings();

    [GeneratedRegex("\\{[^}]*\\}")]
    private static partial Regex Braces();

    [GeneratedRegex("\\[[^\\]]*\\]")]
    private static partial Regex Ranges();

    [GeneratedRegex("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)")]
    private static partial Regex Grouping();

    [GeneratedRegex("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?")]
    private static partial Regex Identifiers();
}
